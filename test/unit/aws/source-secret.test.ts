import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { TerminalError, TransientError } from '../../../jobs/lib/core/errors';
import { SourceSecret, sourceUrlFromSecret } from '../../../jobs/lib/adapters/aws/source-secret';
import { awsError } from './helpers';

const sm = mockClient(SecretsManagerClient);
beforeEach(() => sm.reset());

describe('sourceUrlFromSecret', () => {
  it('takes a url, or builds one from the RDS secret shape with encoded credentials', () => {
    expect(sourceUrlFromSecret({ url: 'postgresql://u:p@h:5432/totesys' })).toBe('postgresql://u:p@h:5432/totesys');
    expect(
      sourceUrlFromSecret({
        username: 'etl user',
        password: 'p@ss/word',
        host: 'db.example.internal',
        port: 5433,
        dbname: 'totesys',
        engine: 'postgres',
      }),
    ).toBe('postgresql://etl%20user:p%40ss%2Fword@db.example.internal:5433/totesys?sslmode=require');
    expect(
      sourceUrlFromSecret({ username: 'u', password: 'p', host: 'h', database: 'd', port: '6543', sslmode: 'verify-full' }),
    ).toBe('postgresql://u:p@h:6543/d?sslmode=verify-full');
  });

  it('names missing fields without showing values', () => {
    expect(() => sourceUrlFromSecret({ password: 'secret-value' })).toThrow(TerminalError);
    expect(() => sourceUrlFromSecret({ password: 'secret-value' })).toThrow(/check: username, host\)$/);
  });
});

describe('SourceSecret', () => {
  it('reads the secret once and serves it from the cache', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: 'postgresql://u:p@h/db' }) });
    const secret = new SourceSecret(new SecretsManagerClient({ region: 'eu-west-2' }), 'lakehouse/source-db');
    expect(await secret.url()).toBe('postgresql://u:p@h/db');
    expect(await secret.url()).toBe('postgresql://u:p@h/db');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(sm.commandCalls(GetSecretValueCommand)[0].args[0].input).toMatchObject({ SecretId: 'lakehouse/source-db' });
  });

  it('classifies failures: missing secret terminal, throttling transient, not JSON terminal', async () => {
    const client = new SecretsManagerClient({ region: 'eu-west-2' });
    sm.on(GetSecretValueCommand)
      .rejectsOnce(awsError('ResourceNotFoundException', 400))
      .rejectsOnce(awsError('ThrottlingException', 400))
      .resolves({ SecretString: 'not json' });
    await expect(new SourceSecret(client, 'a').url()).rejects.toBeInstanceOf(TerminalError);
    await expect(new SourceSecret(client, 'b').url()).rejects.toBeInstanceOf(TransientError);
    await expect(new SourceSecret(client, 'c').url()).rejects.toBeInstanceOf(TerminalError);
  });

  it('does not keep an unusable secret cached', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"username":"u"}' })
      .resolves({ SecretString: '{"url":"postgres://u@h/d"}' });
    const secret = new SourceSecret(new SecretsManagerClient({ region: 'eu-west-2' }), 'lakehouse/source-db');
    await expect(secret.url()).rejects.toBeInstanceOf(TerminalError);
    expect(await secret.url()).toBe('postgres://u@h/d');
  });
});
