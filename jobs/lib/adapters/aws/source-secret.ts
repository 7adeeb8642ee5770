/**
 * The source database connection, from a Secrets Manager secret read through
 * Powertools Parameters (cached in the Lambda container for `maxAgeSeconds`,
 * so warm invocations do not call Secrets Manager again).
 *
 * Accepted secret shapes (JSON):
 * - `{ "url": "postgresql://user:pass@host:5432/db" }`
 * - the RDS / Secrets Manager rotation shape:
 *   `{ "username", "password", "host", "port"?, "dbname"? | "database"?, "sslmode"? }`
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { TerminalError } from '../../core/errors';
import { classifyAwsError } from './classify-aws-error';

const urlSecret = z.object({ url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL') });
const partsSecret = z.object({
  username: z.string().min(1),
  password: z.string(),
  host: z.string().min(1),
  port: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional(),
  dbname: z.string().min(1).optional(),
  database: z.string().min(1).optional(),
  sslmode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']).optional(),
});

/**
 * A PostgreSQL URL from a parsed secret value. Credentials are URL-encoded;
 * `sslmode` defaults to `require` (the source is reached over the network).
 * Throws TerminalError naming the missing fields (never the values).
 */
export function sourceUrlFromSecret(value: unknown): string {
  const asUrl = urlSecret.safeParse(value);
  if (asUrl.success) return asUrl.data.url;
  const parts = partsSecret.safeParse(value);
  if (!parts.success) {
    const fields = parts.error.issues.map((i) => i.path.join('.') || '(root)');
    throw new TerminalError(
      `source secret has neither a postgres "url" nor username/password/host (check: ${[...new Set(fields)].join(', ')})`,
    );
  }
  const p = parts.data;
  const e = encodeURIComponent;
  const database = p.dbname ?? p.database ?? 'postgres';
  return `postgresql://${e(p.username)}:${e(p.password)}@${p.host}:${p.port ?? 5432}/${e(database)}?sslmode=${p.sslmode ?? 'require'}`;
}

/** The source database URL from a Secrets Manager secret, cached per Lambda container. */
export class SourceSecret {
  private readonly provider: SecretsProvider;

  /**
   * @param client        Secrets Manager client (built once per container)
   * @param secretId      secret name or ARN
   * @param maxAgeSeconds cache lifetime in the container. Default 300.
   */
  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly maxAgeSeconds = 300,
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  /**
   * The source PostgreSQL URL, from the container cache when younger than
   * `maxAgeSeconds`. Throws TerminalError when the secret is missing, not JSON
   * or lacks the fields (and drops it from the cache); TransientError on
   * throttling or 5xx.
   */
  async url(): Promise<string> {
    let value: unknown;
    try {
      value = await this.provider.get(this.secretId, { maxAge: this.maxAgeSeconds, transform: 'json' });
    } catch (error) {
      // Powertools wraps SDK and JSON errors; classify by the innermost cause.
      let inner: unknown = error;
      while (
        inner instanceof Error &&
        inner.cause !== undefined &&
        (inner.name === 'GetParameterError' || inner.name === 'TransformParameterError')
      ) {
        inner = inner.cause;
      }
      throw classifyAwsError(inner, `secretsmanager GetSecretValue ${this.secretId}`);
    }
    try {
      if (value === undefined) throw new TerminalError(`secret ${this.secretId} has no value`);
      return sourceUrlFromSecret(value);
    } catch (error) {
      // Do not keep an unusable value cached: once the secret is fixed, the next invocation reads it afresh.
      this.provider.clearCache();
      throw error;
    }
  }
}
