/** berth's version, printed by `berth --version`. */
export const VERSION = "0.1.0";
