/**
 * The lake's zones, in chain order (docs/architecture.md, "Zones").
 */

/** The three lake zones, in chain order. */
export const ZONES = ['raw', 'cleaned', 'transformed'] as const;
export type Zone = (typeof ZONES)[number];
