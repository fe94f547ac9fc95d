// JSON logs (pino) on stdout; LOG_LEVEL=silent turns them off (tests).
import { pino } from 'pino';

export const createLogger = (level: string) =>
  pino({ level, base: { service: 'siyu' }, timestamp: pino.stdTimeFunctions.isoTime });
