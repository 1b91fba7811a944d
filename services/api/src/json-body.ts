/** An API request body: JSON, or nothing at all. */
import { HttpError } from './http-error';

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw HttpError.badRequest('The request body is not valid JSON');
  }
}
