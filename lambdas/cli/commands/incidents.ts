import { resolve } from 'node:path';
import type { Config } from '../../core/check.ts';
import { formatDuration } from '../../core/duration.ts';
import { UsageError } from '../../core/errors.ts';
import { monthAt } from '../../core/report-month.ts';
import type { Incident } from '../../core/store.ts';
import { parseCommandArgs } from '../args.ts';
import { writeLine } from '../io.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../load-config.ts';
import { exitOneOnStoreError, monthFlag, openReportStore, selectSubjects, StoreAccessError, storeFailure } from './report.ts';

export const INCIDENTS_HELP = `Usage: skyprobe incidents [--month YYYY-MM] [--check ID-OR-TAG] [--json]
                         [--config FILE] [--data-dir DIR | --aws]

Lists the incidents that overlap a UTC month (default: the current month),
oldest first: id, check, opened, closed, duration, planned or not, root cause.

Options:
  --month YYYY-MM      the month (default: the current one)
  --check ID-OR-TAG    only matching checks; repeat or comma-separate; * wildcards
  --json               print the incidents as a JSON array
  --config FILE        monitors.config.ts, .mjs or .json (default ${DEFAULT_CONFIG_FILE})
  --data-dir DIR       the local store of skyprobe run (default .skyprobe)
  --aws                read the deployed table in the config's home region
  -h, --help           show this help

Exit status: 0, 1 when the store could not be read, 2 for a usage or config error.`;

export const INCIDENT_HELP = `Usage: skyprobe incident note <id> "root cause" [--action "corrective action"]
                              [--config FILE] [--data-dir DIR | --aws]

Records what caused an incident and what is done about it; the monthly report
shows both. A new note replaces the root cause; the corrective action is
replaced only when --action is given. Incident ids are in skyprobe incidents,
the alerts and the dashboard.

Options:
  --action TEXT        the corrective action
  --config FILE        needed with --aws (default ${DEFAULT_CONFIG_FILE})
  --data-dir DIR       the local store of skyprobe run (default .skyprobe)
  --aws                write to the deployed table in the config's home region
  -h, --help           show this help

Exit status: 0 when recorded, 1 when there is no such incident or the store
could not be written, 2 for a usage error.`;

/** A note is for people: generous, but bounded (it is shown in reports and stored on the incident). */
const MAX_NOTE_CHARS = 4000;
const INCIDENT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const incidentsCommand = exitOneOnStoreError(async (argv, io) => {
  const { values } = parseCommandArgs(
    'incidents',
    argv,
    {
      month: { type: 'string' },
      check: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      aws: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    0,
  );
  if (values.help) {
    writeLine(io.stdout, INCIDENTS_HELP);
    return 0;
  }
  const nowMs = Date.now();
  const month = monthFlag('incidents', values.month, nowMs, monthAt);
  if (values.aws && values['data-dir'] !== undefined) throw new UsageError('skyprobe incidents: give --data-dir or --aws, not both');
  const config = await loadConfig(resolve(io.cwd, values.config ?? DEFAULT_CONFIG_FILE));
  const wanted = new Set(selectSubjects('incidents', config, values.check ?? []).map((s) => s.id));
  const filtered = (values.check ?? []).length > 0;

  const opened = await openReportStore('incidents', io, { dataDir: values['data-dir'], aws: values.aws === true, config });
  let incidents: readonly Incident[];
  try {
    const toMs = Math.min(month.endMs, nowMs);
    incidents = await opened.store.incidents({ fromIso: new Date(month.startMs).toISOString(), toIso: new Date(toMs).toISOString() });
  } catch (err) {
    throw storeFailure('incidents', opened.where, err);
  } finally {
    await opened.close();
  }
  // Without --check, incidents of checks since removed from the config are listed too.
  const shown = incidents.filter((i) => !filtered || wanted.has(i.checkId));
  if (values.json) {
    writeLine(io.stdout, JSON.stringify(shown, null, 2));
    return 0;
  }
  if (shown.length === 0) {
    writeLine(io.stdout, `no incidents in ${month.key}${filtered ? ` for --check ${(values.check ?? []).join(',')}` : ''}`);
    return 0;
  }
  for (const line of incidentTable(shown, nowMs)) writeLine(io.stdout, line);
  return 0;
});

export function incidentTable(incidents: readonly Incident[], nowMs: number): string[] {
  const rows = incidents.map((i) => {
    const endMs = i.closedAt === null ? nowMs : Date.parse(i.closedAt);
    const duration = formatDuration(Math.max(0, endMs - Date.parse(i.openedAt)));
    return [
      i.id,
      i.checkId,
      `${i.openedAt.slice(0, 16).replace('T', ' ')}Z`,
      i.closedAt === null ? 'open' : `${i.closedAt.slice(0, 16).replace('T', ' ')}Z`,
      i.closedAt === null ? `${duration} so far` : duration,
      i.planned ? 'planned' : '',
      oneLine(i.rootCause ?? ''),
    ];
  });
  const header = ['id', 'check', 'opened', 'closed', 'duration', 'planned', 'root cause'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export const incidentCommand = exitOneOnStoreError(async (argv, io) => {
  const { values, positionals } = parseCommandArgs(
    'incident',
    argv,
    { action: { type: 'string' }, config: { type: 'string' }, 'data-dir': { type: 'string' }, aws: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    3,
  );
  if (values.help) {
    writeLine(io.stdout, INCIDENT_HELP);
    return 0;
  }
  const [sub, id, rootCause] = positionals;
  if (sub !== 'note') throw new UsageError(`skyprobe incident: unknown subcommand ${JSON.stringify(sub ?? '')} (usage: skyprobe incident note <id> "root cause" [--action "..."])`);
  if (id === undefined || rootCause === undefined) throw new UsageError('skyprobe incident note: give the incident id and the root cause: skyprobe incident note <id> "root cause"');
  if (!INCIDENT_ID.test(id)) throw new UsageError(`skyprobe incident note: ${JSON.stringify(id)} is not an incident id (see skyprobe incidents)`);
  const note = checkText('root cause', rootCause);
  const action = values.action === undefined ? undefined : checkText('--action', values.action);
  if (values.aws && values['data-dir'] !== undefined) throw new UsageError('skyprobe incident: give --data-dir or --aws, not both');
  const config: Config | undefined = values.aws ? await loadConfig(resolve(io.cwd, values.config ?? DEFAULT_CONFIG_FILE)) : undefined;

  const opened = await openReportStore('incident note', io, { dataDir: values['data-dir'], aws: values.aws === true, ...(config === undefined ? {} : { config }) });
  let updated: Incident | null;
  try {
    updated = await opened.store.noteIncident(id, { rootCause: note, ...(action === undefined ? {} : { correctiveAction: action }), notedAt: new Date().toISOString() });
  } catch (err) {
    throw storeFailure('incident note', opened.where, err);
  } finally {
    await opened.close();
  }
  if (updated === null) throw new StoreAccessError(`skyprobe incident note: no incident ${id} in ${opened.where} (see skyprobe incidents)`);
  writeLine(io.stdout, `incident ${updated.id} (${updated.checkId}, opened ${updated.openedAt}): root cause recorded${updated.correctiveAction === undefined ? '' : ', with a corrective action'}`);
  return 0;
});

function checkText(what: string, text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`skyprobe incident note: the ${what} is empty`);
  if (trimmed.length > MAX_NOTE_CHARS) throw new UsageError(`skyprobe incident note: the ${what} is ${trimmed.length} characters; at most ${MAX_NOTE_CHARS}`);
  return trimmed;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}
