import type { Response } from 'express';

/** An error the simulator answers with Twilio's body: {code, message, more_info, status}. */
export class TwilioApiError extends Error {
  constructor(readonly status: number, readonly code: number, message: string) {
    super(message);
    this.name = 'TwilioApiError';
  }
}

export function twilioErrorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

export function sendTwilioError(res: Response, error: TwilioApiError): void {
  res.status(error.status).json(twilioErrorBody(error.status, error.code, error.message));
}

export const notFound = (path: string) => new TwilioApiError(404, 20404, `The requested resource ${path} was not found`);
