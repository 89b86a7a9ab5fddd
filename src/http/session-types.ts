import type { User } from '../shared/user.js';

export interface FlashMessage {
  kind: 'success' | 'error' | 'info';
  text: string;
}

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    /** The browser that logged in (User-Agent), for the sessions list. */
    userAgent?: string;
    csrfToken?: string;
    flash?: FlashMessage[];
  }
}

declare global {
  namespace Express {
    interface Request {
      user?: User;
    }
  }
}
