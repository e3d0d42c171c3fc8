/**
 * The CloudWatch dashboards skyprobe deploys, and links into them, defined once: the CDK app (infra/) names
 * the dashboards and writes their links with these, the notifier puts `checkDashboardUrl` in every alert
 * about a check. A constant table and pure functions: no SDK, no env.
 *
 * The dashboards in the home region (CloudWatch bills $3 a month for a dashboard beyond the first three):
 * - the overview: every check's state, availability and p95 by region, and this month against its SLO, in
 *   pages of at most 100 checks (`<project>-overview`, then `<project>-overview-2`, …); page 1 also holds the
 *   probe locations' state and the probes' own health;
 * - the check dashboard: one check in depth, the check picked with a dashboard variable (one for every check).
 */

export const DASHBOARD_NAMES = {
  /** The overview's page 1: the link of alerts about no one check. */
  overview: (project: string) => `${project}-overview`,
  /** Page `page` (from 1) of the overview; page 1 is `overview`. */
  overviewPage: (project: string, page: number) => (page === 1 ? `${project}-overview` : `${project}-overview-${page}`),
  check: (project: string) => `${project}-check`,
} as const;

/**
 * The check dashboard's variable: a PATTERN variable, so CloudWatch replaces every occurrence of
 * CHECK_PLACEHOLDER in the dashboard's JSON (metric dimensions, SEARCH expressions, Logs Insights
 * queries, alarm ARNs, text) with the id of the check picked.
 */
export const CHECK_VARIABLE_ID = 'check';

/**
 * Stands for the picked check's id in the check dashboard's JSON. The pattern is a regular expression
 * matched against the whole JSON, so it must be a literal that nothing else there contains: it starts
 * with `_`, which no check id, project name or region does (the CDK app refuses a config where any id or
 * name contains it).
 */
export const CHECK_PLACEHOLDER = '__skyprobe_check__';

/** The console address of a dashboard in `region`. */
export function dashboardConsoleUrl(region: string, dashboardName: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}${dashboardConsolePath(dashboardName)}`;
}

/** The console-relative link (the URL fragment) of a dashboard: what a dashboard's own markdown links use. */
export function dashboardConsolePath(dashboardName: string): string {
  return `#dashboards/dashboard/${encodeURIComponent(dashboardName)}`;
}

/**
 * The query that opens the check dashboard with `checkId` picked: `var-<variable id>=<value>`, after the
 * dashboard's name in the fragment. This is the one place the form is written; it has not been checked
 * against a live console (everything here is built and tested offline). A console that does not read it
 * opens the dashboard on its default check, and the alert still names the check.
 */
export function checkVariableQuery(checkId: string): string {
  return `var-${CHECK_VARIABLE_ID}=${encodeURIComponent(checkId)}`;
}

/** Console address of the check dashboard with `checkId` picked: the link in every alert about the check. */
export function checkDashboardUrl(homeRegion: string, project: string, checkId: string): string {
  return `${dashboardConsoleUrl(homeRegion, DASHBOARD_NAMES.check(project))}?${checkVariableQuery(checkId)}`;
}

/**
 * The links messages carry: the config's own `alerts.dashboardUrl` for everything when it has one; else, with
 * the home region known, the check dashboard with the check picked for a message about a check, and
 * `overviewUrl` (the overview, from the stack) for one about no one check.
 */
export function alertLinks(
  config: { readonly project: string; readonly alerts: { readonly dashboardUrl: string | null } },
  homeRegion: string | undefined,
  overviewUrl: string | null,
): { readonly dashboardUrl: string | null; readonly checkDashboardUrl?: (checkId: string) => string } {
  const dashboardUrl = config.alerts.dashboardUrl ?? overviewUrl;
  if (config.alerts.dashboardUrl !== null || homeRegion === undefined) return { dashboardUrl };
  return { dashboardUrl, checkDashboardUrl: (checkId) => checkDashboardUrl(homeRegion, config.project, checkId) };
}

/** Console-relative link to the check dashboard with `checkId` picked, for the overview's markdown. */
export function checkDashboardPath(project: string, checkId: string): string {
  return `${dashboardConsolePath(DASHBOARD_NAMES.check(project))}?${checkVariableQuery(checkId)}`;
}

/** Checks on one overview page: 3 widgets each, so a page stays well under CloudWatch's 500 widgets (the cost model counts the pages). */
export const OVERVIEW_PAGE_MAX_CHECKS = 100;
