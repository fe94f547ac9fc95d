// Phone numbers are stored in E.164. Numbers written without a country code are read as mainland China (+86).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The E.164 form of `input`, or null when it is not a valid phone number. */
export function normalizePhone(input: string): string | null {
  const cleaned = input.trim().replace(/[\s()-]/g, '');
  const parsed = parsePhoneNumberFromString(cleaned.startsWith('00') ? `+${cleaned.slice(2)}` : cleaned, 'CN');
  return parsed?.isValid() ? parsed.number : null;
}
