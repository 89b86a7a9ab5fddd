/** Returns free pages of glibc's heap to the kernel; true if any were released. */
export function trim(): boolean;
/** True where the addon can trim (glibc). */
export function supported(): boolean;
