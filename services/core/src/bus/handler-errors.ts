/** What a bus does with an exception thrown by a subscriber's handler: report it, keep going. */
export type HandlerErrorReporter = (err: unknown, subject: string) => void;

export const reportToStderr: HandlerErrorReporter = (err, subject) => {
  process.stderr.write(`bus handler for ${subject} threw: ${(err as Error)?.stack ?? String(err)}\n`);
};
