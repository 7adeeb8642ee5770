/**
 * Checks an AWS SDK v3 command input against the request shape AWS publishes
 * for its operation (the service models vendored in
 * `test/fixtures/aws-api-constraints/`, see the README there for provenance).
 * The SDK for JavaScript sends whatever it is given; AWS answers a request
 * outside these limits with a ValidationException, so the unit tests, where
 * the SDK is mocked, would otherwise never see the mistake.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translateJavaPattern, type TranslatedPattern } from './java-pattern';

/** The kinds of rule a request can break. */
export type ConstraintRule =
  | 'required'
  | 'unknown-member'
  | 'type'
  | 'min-length'
  | 'max-length'
  | 'max-bytes'
  | 'min-size'
  | 'max-size'
  | 'min'
  | 'max'
  | 'pattern'
  | 'enum';

/**
 * One broken rule. `path` names the member from the input's root, e.g. `Sqls`,
 * `Parameters[3].name`, `Metadata["k"]` (a map value) or `Metadata{"k"}` (a map key).
 */
export interface ConstraintViolation {
  path: string;
  rule: ConstraintRule;
  expected: string;
  actual: string;
}

interface MemberRef {
  shape: string;
}

/** A shape as the reduced service model holds it. */
export interface Shape {
  type: string;
  required?: string[];
  members?: Record<string, MemberRef>;
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}

/** A reduced service model: operations (input shape names) and shapes. */
export interface ServiceModel {
  service: string;
  apiVersion: string;
  operations: Record<string, { input?: string; output?: string }>;
  shapes: Record<string, Shape>;
}

/** Where the vendored models live (a plain clone has them; nothing outside the repository is read). */
export const CONSTRAINTS_DIR = join(__dirname, '..', 'fixtures', 'aws-api-constraints');

/**
 * SDK v3 client class name → model file (without `.json`). A client missing
 * here has no checked requests: the interception fails its sends.
 */
export const SERVICE_OF_CLIENT: Readonly<Record<string, string>> = {
  S3Client: 's3',
  GlueClient: 'glue',
  AthenaClient: 'athena',
  RedshiftDataClient: 'redshift-data',
  EventBridgeClient: 'events',
  SNSClient: 'sns',
  SecretsManagerClient: 'secretsmanager',
};

/**
 * Limits AWS documents in prose but leaves out of the service model, keyed by
 * service and shape name. Each names its source.
 */
export const DOCUMENTED_LIMITS: Readonly<Record<string, Record<string, { maxBytes?: number; max?: number; source: string }>>> = {
  s3: {
    // Amazon S3 User Guide, "Naming Amazon S3 objects": a key is at most 1,024 bytes of UTF-8.
    ObjectKey: { maxBytes: 1024, source: 'Amazon S3 User Guide, Naming Amazon S3 objects' },
    // Amazon S3 API Reference, DeleteObjects: the request holds at most 1,000 keys.
    ObjectIdentifierList: { max: 1000, source: 'Amazon S3 API Reference, DeleteObjects' },
  },
};

/** Thrown when a service or operation has no model here (a new service must bring its file). */
export class UnknownAwsOperationError extends Error {
  override name = 'UnknownAwsOperationError';
}

const models = new Map<string, ServiceModel>();

/**
 * The reduced model of `service` (a file name in the constraints folder, e.g. `redshift-data`), read once.
 * @throws UnknownAwsOperationError when no file exists for it.
 */
export function serviceModel(service: string): ServiceModel {
  const cached = models.get(service);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(join(CONSTRAINTS_DIR, `${service}.json`), 'utf8');
  } catch {
    throw new UnknownAwsOperationError(
      `no request constraints for service "${service}": add ${service}.json to test/fixtures/aws-api-constraints/ (see its README)`,
    );
  }
  const model = JSON.parse(text) as ServiceModel;
  models.set(service, model);
  return model;
}

const patterns = new Map<string, TranslatedPattern>();

function compiled(pattern: string): TranslatedPattern {
  let t = patterns.get(pattern);
  if (!t) {
    t = translateJavaPattern(pattern);
    patterns.set(pattern, t);
  }
  return t;
}

/**
 * The patterns of `service` that cannot be checked in JavaScript, with the reason
 * (string members of those shapes are checked for everything but the pattern).
 */
export function uncheckedPatterns(service: string): { shape: string; pattern: string; reason: string }[] {
  const out: { shape: string; pattern: string; reason: string }[] = [];
  for (const [name, shape] of Object.entries(serviceModel(service).shapes)) {
    if (shape.pattern === undefined) continue;
    const t = compiled(shape.pattern);
    if (!t.ok) out.push({ shape: name, pattern: shape.pattern, reason: t.reason });
  }
  return out;
}

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value instanceof Date) return `Date ${value.toISOString()}`;
  if (value === null) return 'null';
  return typeof value === 'object' ? `${(value as object).constructor?.name ?? 'object'}` : `${typeof value} ${String(value)}`;
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !ArrayBuffer.isView(v);

const isStream = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  (typeof (v as { pipe?: unknown }).pipe === 'function' || typeof (v as { getReader?: unknown }).getReader === 'function');

/** Byte length of a blob the SDK accepts, or undefined for a stream (length unknown before sending). */
function blobLength(v: unknown): number | undefined | 'not-a-blob' {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (typeof Blob !== 'undefined' && v instanceof Blob) return v.size;
  if (isStream(v)) return undefined;
  return 'not-a-blob';
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * Walks `value` against shape `shapeName`, appending violations. Absent
 * (undefined or null) optional members are not checked: the SDK leaves them out.
 */
function walk(model: ServiceModel, shapeName: string, value: unknown, path: string, out: ConstraintViolation[]): void {
  const shape = model.shapes[shapeName];
  if (!shape) throw new UnknownAwsOperationError(`shape ${shapeName} is missing from the ${model.service} model`);
  const documented = DOCUMENTED_LIMITS[model.service]?.[shapeName];
  const at = path || '(input)';
  const add = (rule: ConstraintRule, expected: string, actual: string): void => {
    out.push({ path: at, rule, expected, actual });
  };
  const typeMismatch = (expected: string): void => add('type', expected, show(value));

  switch (shape.type) {
    case 'structure': {
      if (!isPlainObject(value)) {
        typeMismatch('structure (object)');
        return;
      }
      const members = shape.members ?? {};
      for (const name of shape.required ?? []) {
        if (!present(value[name]))
          out.push({ path: path ? `${path}.${name}` : name, rule: 'required', expected: 'present', actual: show(value[name]) });
      }
      for (const [name, member] of Object.entries(value)) {
        const memberPath = path ? `${path}.${name}` : name;
        const ref = members[name];
        if (!ref) {
          if (present(member))
            out.push({ path: memberPath, rule: 'unknown-member', expected: `a member of ${shapeName}`, actual: name });
          continue;
        }
        if (present(member)) walk(model, ref.shape, member, memberPath, out);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        typeMismatch('list (array)');
        return;
      }
      const max = documented?.max ?? shape.max;
      if (shape.min !== undefined && value.length < shape.min) add('min-size', `at least ${shape.min} items`, `${value.length}`);
      if (max !== undefined && value.length > max)
        add('max-size', `at most ${max} items${documented?.max ? ` (${documented.source})` : ''}`, `${value.length}`);
      value.forEach((item, i) => {
        const itemPath = `${path}[${i}]`;
        if (!present(item)) out.push({ path: itemPath, rule: 'type', expected: `${shape.member?.shape}`, actual: show(item) });
        else walk(model, (shape.member as MemberRef).shape, item, itemPath, out);
      });
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) {
        typeMismatch('map (object)');
        return;
      }
      const entries = Object.entries(value).filter(([, v]) => present(v));
      if (shape.min !== undefined && entries.length < shape.min)
        add('min-size', `at least ${shape.min} entries`, `${entries.length}`);
      if (shape.max !== undefined && entries.length > shape.max)
        add('max-size', `at most ${shape.max} entries`, `${entries.length}`);
      for (const [k, v] of entries) {
        walk(model, (shape.key as MemberRef).shape, k, `${path}{${JSON.stringify(k)}}`, out);
        walk(model, (shape.value as MemberRef).shape, v, `${path}[${JSON.stringify(k)}]`, out);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') {
        typeMismatch('string');
        return;
      }
      // Length in characters (Unicode code points), as the service models count it.
      const length = [...value].length;
      if (shape.min !== undefined && length < shape.min) add('min-length', `at least ${shape.min} characters`, `${length}`);
      if (shape.max !== undefined && length > shape.max) add('max-length', `at most ${shape.max} characters`, `${length}`);
      if (documented?.maxBytes !== undefined) {
        const bytes = Buffer.byteLength(value, 'utf8');
        if (bytes > documented.maxBytes)
          add('max-bytes', `at most ${documented.maxBytes} bytes of UTF-8 (${documented.source})`, `${bytes}`);
      }
      if (shape.enum && !shape.enum.includes(value)) add('enum', `one of ${shape.enum.join(', ')}`, show(value));
      if (shape.pattern !== undefined) {
        const t = compiled(shape.pattern);
        if (t.ok && !t.regex.test(value)) add('pattern', `the whole value matches ${shape.pattern}`, show(value));
      }
      return;
    }
    case 'integer':
    case 'long': {
      const ok = (typeof value === 'number' && Number.isInteger(value)) || (shape.type === 'long' && typeof value === 'bigint');
      if (!ok) {
        typeMismatch(`${shape.type} (whole number)`);
        return;
      }
      const n = Number(value);
      if (shape.min !== undefined && n < shape.min) add('min', `at least ${shape.min}`, `${n}`);
      if (shape.max !== undefined && n > shape.max) add('max', `at most ${shape.max}`, `${n}`);
      return;
    }
    case 'double':
    case 'float': {
      if (typeof value !== 'number' || Number.isNaN(value)) {
        typeMismatch(`${shape.type} (number)`);
        return;
      }
      if (shape.min !== undefined && value < shape.min) add('min', `at least ${shape.min}`, `${value}`);
      if (shape.max !== undefined && value > shape.max) add('max', `at most ${shape.max}`, `${value}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') typeMismatch('boolean');
      return;
    case 'timestamp': {
      const ok =
        (value instanceof Date && !Number.isNaN(value.getTime())) ||
        (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
      if (!ok) typeMismatch('timestamp (Date, epoch seconds or date-time string)');
      return;
    }
    case 'blob': {
      const length = blobLength(value);
      if (length === 'not-a-blob') {
        typeMismatch('blob (string, bytes, Blob or stream)');
        return;
      }
      if (length === undefined) return;
      if (shape.min !== undefined && length < shape.min) add('min-length', `at least ${shape.min} bytes`, `${length}`);
      if (shape.max !== undefined && length > shape.max) add('max-length', `at most ${shape.max} bytes`, `${length}`);
      return;
    }
    default:
      throw new UnknownAwsOperationError(`shape ${shapeName} has type ${shape.type}, which the checker does not know`);
  }
}

/**
 * The violations of `input` against the input shape of `operation` in
 * `service` (model file name, e.g. `redshift-data`); empty when the request is
 * within every published constraint. Patterns are matched against the whole
 * value; patterns that cannot be translated are skipped (see `uncheckedPatterns`).
 * @throws UnknownAwsOperationError when the service has no model file or the operation is not in it.
 */
export function validateRequest(service: string, operation: string, input: unknown): ConstraintViolation[] {
  const model = serviceModel(service);
  const op = model.operations[operation];
  if (!op) throw new UnknownAwsOperationError(`operation ${operation} is not in the ${service} model (API ${model.apiVersion})`);
  const out: ConstraintViolation[] = [];
  if (op.input === undefined) {
    if (isPlainObject(input) && Object.values(input).some(present)) {
      out.push({ path: '(input)', rule: 'unknown-member', expected: 'no input members', actual: Object.keys(input).join(', ') });
    }
    return out;
  }
  walk(model, op.input, input ?? {}, '', out);
  return out;
}

/** One line per violation, for error messages. */
export function describeViolations(service: string, operation: string, violations: ConstraintViolation[]): string {
  return violations
    .map((v) => `${service} ${operation}: ${v.path} breaks ${v.rule} (expected ${v.expected}, got ${v.actual})`)
    .join('\n');
}
