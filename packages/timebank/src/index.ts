/**
 * @elderflow/timebank. See the package README and the docs.
 *
 * @packageDocumentation
 */

/** The package name, for diagnostics. */
export const PACKAGE_NAME = "@elderflow/timebank";
