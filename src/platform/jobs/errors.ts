// Errors the console's job routes can meet, as values with codes; the HTTP error mapper turns `code` and `status`
// into a response.

export class JobNotFound extends Error {
  readonly code = 'jobs.not_found';
  readonly status = 404;
  readonly jobId: string;
  constructor(jobId: string) {
    super(`job ${jobId} not found`);
    this.name = 'JobNotFound';
    this.jobId = jobId;
  }
}

/** Only a dead job can be retried by hand; a queued or running one is already on its way. */
export class JobNotRetryable extends Error {
  readonly code = 'jobs.not_retryable';
  readonly status = 409;
  readonly jobId: string;
  readonly state: string;
  constructor(jobId: string, state: string) {
    super(`job ${jobId} is ${state}; only a dead job can be retried`);
    this.name = 'JobNotRetryable';
    this.jobId = jobId;
    this.state = state;
  }
}

export class InvalidJobCursor extends Error {
  readonly code = 'jobs.invalid_cursor';
  readonly status = 400;
  constructor() {
    super('cursor is not one this API returned');
    this.name = 'InvalidJobCursor';
  }
}

/** A schedule the worker refuses at start: a bad cron expression or time zone, a duplicate name, no handler. */
export class InvalidSchedule extends Error {
  readonly code = 'jobs.invalid_schedule';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSchedule';
  }
}
