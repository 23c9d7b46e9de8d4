/**
 * The bureau's register of persons (信息库).
 *
 * @packageDocumentation
 */

/** The package's version. */
export const REGISTER_VERSION = "0.1.0";
