// The most events within any window of `ms` milliseconds, from times in ascending order: how the rate
// tests check that no second held more GitHub requests than allowed.
export function busiestWindow(at: number[], ms = 1000): number {
  let most = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[i]! - at[j]! >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
