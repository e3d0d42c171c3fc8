/** Calendar months in UTC, as reports use them: `yyyy-mm`, from the first instant of the 1st to the first of the next. */

export interface ReportMonth {
  /** `yyyy-mm` */
  readonly key: string;
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  /** Epoch ms of the 1st at 00:00 UTC, inclusive. */
  readonly startMs: number;
  /** Epoch ms of the next month's 1st at 00:00 UTC, exclusive. */
  readonly endMs: number;
}

/** A `--month` value that is not a `yyyy-mm` month. */
export class InvalidMonthError extends Error {
  override readonly name = 'InvalidMonthError';
}

const MONTH = /^(\d{4})-(\d{2})$/;

export function monthOf(year: number, month: number): ReportMonth {
  if (!Number.isInteger(year) || year < 1970 || year > 9999 || !Number.isInteger(month) || month < 1 || month > 12) {
    throw new InvalidMonthError(`not a month: year ${year}, month ${month}`);
  }
  return {
    key: `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`,
    year,
    month,
    startMs: Date.UTC(year, month - 1, 1),
    endMs: Date.UTC(year, month, 1),
  };
}

/** Parses `yyyy-mm` (1970-01 or later). */
export function parseMonth(text: string): ReportMonth {
  const match = MONTH.exec(text);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  if (match === null || month < 1 || month > 12 || year < 1970) {
    throw new InvalidMonthError(`month must be yyyy-mm (e.g. 2026-10), got ${JSON.stringify(text)}`);
  }
  return monthOf(year, month);
}

/** The month holding an instant. */
export function monthAt(epochMs: number): ReportMonth {
  const d = new Date(epochMs);
  return monthOf(d.getUTCFullYear(), d.getUTCMonth() + 1);
}

/** The last month that has ended before `nowMs`: the report's default. */
export function lastFullMonth(nowMs: number): ReportMonth {
  const current = monthAt(nowMs);
  return monthAt(current.startMs - 1);
}

/** UTC days of the month, `yyyy-mm-dd`, in order. */
export function daysOf(month: ReportMonth): string[] {
  const out: string[] = [];
  for (let t = month.startMs; t < month.endMs; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
