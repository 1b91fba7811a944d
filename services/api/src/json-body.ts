/** An API request body: JSON, or nothing at all. */
import { apiErrors } from './api-errors';

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw apiErrors.invalidJson();
  }
}
