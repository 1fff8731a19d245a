/** Seconds since the epoch: the unit of every stored time and JWT claim. */
export const now = () => Math.floor(Date.now() / 1000);
