/**
 * Loads dt-sql-parser's Trino parser for the tests. The package ships ES
 * modules with directory imports that neither Node's ESM loader nor jest's
 * CommonJS runtime resolve, so it is bundled once with esbuild (already a dev
 * dependency) into CommonJS in memory and compiled as a module.
 */
import Module from 'node:module';
import { resolve } from 'node:path';
import { buildSync } from 'esbuild';

interface TrinoParser {
  validate(sql: string): { message: string; startLine: number; startColumn: number }[];
}

let parser: TrinoParser | undefined;

/** A Trino-dialect parser (dt-sql-parser's TrinoSQL). */
export function trinoParser(): TrinoParser {
  if (parser) return parser;
  const out = buildSync({
    stdin: {
      contents: "export { TrinoSQL } from 'dt-sql-parser/dist/parser/trino';",
      resolveDir: resolve(__dirname, '../../..'),
      loader: 'js',
    },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  const mod = new Module('dt-sql-parser-trino') as Module & { _compile(code: string, filename: string): void };
  mod._compile(out.outputFiles[0].text, resolve(__dirname, 'dt-sql-parser-trino.js'));
  const { TrinoSQL } = mod.exports as { TrinoSQL: new () => TrinoParser };
  parser = new TrinoSQL();
  return parser;
}
