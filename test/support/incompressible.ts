/** Text that no compressor shrinks much (a seeded pseudo-random stream of 64 symbols): the same for the same seed. */
export function incompressibleText(length: number, seed = 1): string {
  const symbols = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let state = seed >>> 0 || 1;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0; // a linear congruential generator
    text += symbols[state >>> 26];
  }
  return text;
}
