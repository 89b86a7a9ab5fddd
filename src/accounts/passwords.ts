import argon2 from 'argon2';

/** OWASP's argon2id baseline (19 MiB, 2 passes); tests may lower the cost through the options. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export function argon2Hasher(options: { memoryCost?: number; timeCost?: number } = {}): PasswordHasher {
  const params = { type: argon2.argon2id, memoryCost: options.memoryCost ?? 19_456, timeCost: options.timeCost ?? 2, parallelism: 1 } as const;
  return {
    hash: (password) => argon2.hash(password, params),
    verify: async (hash, password) => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
  };
}
