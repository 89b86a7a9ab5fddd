import type { TokenOwner } from './tokens-repository.js';

/**
 * What the API adds to a request. Files that read it import this module (type-only), so each compiles on its own,
 * in any project that includes it (tools/storm's tsconfig), not only with the whole app.
 */
declare global {
  namespace Express {
    interface Request {
      /** Set by the API's bearer check: the token used and its owner. */
      apiCaller?: TokenOwner;
    }
  }
}

export {};
