/** A request the dashboard API refuses: the status and one line naming what was wrong. Never carries a stack to the client. */
export class DashboardRequestError extends Error {
  readonly status: 400 | 404 | 405;

  constructor(status: 400 | 404 | 405, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DashboardRequestError';
    this.status = status;
  }
}
