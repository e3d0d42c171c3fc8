import type { Check } from '../lambdas/core/check.ts';
import { OVERVIEW_PAGE_MAX_CHECKS } from '../lambdas/core/dashboard-links.ts';
import { stableHash } from '../lambdas/core/schedule.ts';

/**
 * Where each check's alarms and its row of the overview live, so that no CloudFormation template and no
 * dashboard nears its limits however many checks a project has.
 *
 * Alarms: a project of at most HOME_STACK_MAX_CHECKS checks keeps them in the home stack, exactly as before
 * check groups existed (same construct ids, so deployed alarms stay where they are). A larger project puts
 * them in CHECK_GROUPS nested stacks of the home stack, each check in the group its id hashes to. The group
 * depends on the id alone, never on the order or the number of checks: alarm names are fixed, and CloudFormation
 * creates a moved resource in its new stack before it deletes it from the old one, so an alarm moving between
 * stacks would fail the deploy with "already exists" (and roll it back). Adding, removing or reordering checks
 * moves no alarm. Crossing HOME_STACK_MAX_CHECKS (growing past it, or shrinking back) does move every one: that
 * change takes two deploys, the first without the checks (so their alarms are deleted), then with them.
 *
 * Overview: pages of at most OVERVIEW_PAGE_MAX_CHECKS checks in config order; page 1 is in the home stack
 * (where the overview always was), page n ≥ 2 in a nested stack of its own, whatever the project's size, so
 * a page never moves between stacks either.
 */

/** Checks whose alarms the home stack holds itself: the most one project could deploy before check groups. */
export const HOME_STACK_MAX_CHECKS = 150;

/**
 * Nested stacks the check alarms of a larger project are spread over. Fixed: changing it would move most
 * alarms to another group. Eight keeps the fullest group far from its limit at the largest project
 * (`MAX_CHECK_ALARMS_PER_PROJECT` alarms: 281 per group on average, a group of 450 is 6 standard deviations away).
 */
export const CHECK_GROUPS = 8;

export { OVERVIEW_PAGE_MAX_CHECKS };

/** Whether the home stack holds every check's alarms itself (else each check group's nested stack does). */
export function alarmsInHomeStack(checks: readonly Check[]): boolean {
  return checks.length <= HOME_STACK_MAX_CHECKS;
}

/** The check group (0 ≤ group < CHECK_GROUPS) of a check: a hash of its id only. Never change the hash. */
export function checkGroupOf(checkId: string): number {
  return stableHash(checkId) % CHECK_GROUPS;
}

/** The construct id of a check group's nested stack (groups are numbered from 1 for people). */
export function checkGroupStackId(group: number): string {
  return `CheckGroup${group + 1}`;
}

/** The overview's pages: the checks in config order, OVERVIEW_PAGE_MAX_CHECKS a page; at least one page. */
export function overviewPages<T>(checks: readonly T[]): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < checks.length; i += OVERVIEW_PAGE_MAX_CHECKS) pages.push(checks.slice(i, i + OVERVIEW_PAGE_MAX_CHECKS));
  return pages.length === 0 ? [[]] : pages;
}

/** The construct id of the nested stack of overview page `page` (≥ 2; page 1 is in the home stack). */
export function overviewPageStackId(page: number): string {
  return `OverviewPage${page}`;
}
