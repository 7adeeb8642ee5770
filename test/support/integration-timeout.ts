/**
 * The integration project's per-test limit: a whole-chain pass on the real
 * ToteSys data (seed, extract, both transforms, load) takes 10–40 s on a
 * two-core machine, past the 20 s default of the other projects.
 */
jest.setTimeout(180_000);
