/**
 * Server settings of every embedded PGlite database, and of the initdb that
 * makes the pristine data folder new databases are copied from
 * (pglite-image.ts).
 */

/**
 * PostgreSQL's default 128 MB of shared buffers is touched when PGlite starts,
 * so each embedded database cost about 330 MB resident; 16 MB (2,048 pages,
 * more than the ToteSys data's working set) brings that to about 190 MB.
 * Part of the pristine image's key: changing them makes a new image.
 */
export const PGLITE_SETTINGS: readonly string[] = ['-c', 'shared_buffers=16MB'];
