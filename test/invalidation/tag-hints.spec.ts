import { TagHints, TAG_HINT_LIMITS } from '../../lib/invalidation/tags/tag-hints.js';
import { MAX_KEY_LENGTH } from '../../lib/kernel/cache-keys.js';
import { MAX_TAG_LENGTH, MAX_TAGS_PER_ENTRY } from '../../lib/invalidation/tags/tag-rules.js';
import { heapUsedAfterGc } from '../support/heap-used.js';

const stamps = (...tags: string[]) => tags.map((tag) => [tag, 'token'] as const);

describe('TagHints (the key → tags hint a plain get reads tokens by)', () => {
  it('remembers the tags last seen on a key, follows a change, and forgets an untagged key', () => {
    const hints = new TagHints();
    hints.learn('ns:a', stamps('x', 'y'));
    expect(hints.of('ns:a')).toEqual(['x', 'y']);
    hints.learn('ns:a', stamps('z'));
    expect(hints.of('ns:a')).toEqual(['z']);
    hints.learn('ns:a', []);
    expect(hints.of('ns:a')).toBeUndefined();
    hints.learn('ns:b', stamps('x'));
    hints.forget('ns:b');
    expect(hints.size).toBe(0);
  });

  it('keeps at most its number of keys, forgetting the oldest first', () => {
    const hints = new TagHints({ keys: 3, chars: 1_000 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) hints.learn(key, stamps('t'));
    expect(hints.size).toBe(3);
    expect(['a', 'b', 'c', 'd', 'e'].map((key) => hints.of(key) !== undefined)).toEqual([false, false, true, true, true]);
  });

  it('keeps at most its characters of keys and tags, and never a key larger than all of them', () => {
    const hints = new TagHints({ keys: 100, chars: 10 });
    hints.learn('aaaa', stamps('t')); // 5 characters
    hints.learn('bbbb', stamps('t')); // 10
    hints.learn('cccc', stamps('t')); // 15: the oldest goes
    expect([hints.of('aaaa'), hints.of('bbbb'), hints.of('cccc')]).toEqual([undefined, ['t'], ['t']]);
    hints.learn('a-key-longer-than-the-bound', stamps('t'));
    expect(hints.of('a-key-longer-than-the-bound')).toBeUndefined();
    hints.learn('bbbb', stamps('t', 'u')); // changed: counted anew
    hints.learn('dd', stamps('t'));
    expect(hints.size).toBe(2);
  });

  it(`retains a bounded heap: ${TAG_HINT_LIMITS.keys} keys and ${TAG_HINT_LIMITS.chars} characters at most, however many keys of the largest size pass`, () => {
    const hints = new TagHints();
    const tags = (i: number) => Array.from({ length: MAX_TAGS_PER_ENTRY }, (_, t) => `${i}-${t}-`.padEnd(MAX_TAG_LENGTH, 't'));
    const before = heapUsedAfterGc();
    for (let i = 0; i < 20_000; i++) hints.learn(`${i}:`.padEnd(MAX_KEY_LENGTH, 'k'), stamps(...tags(i)));
    const grown = heapUsedAfterGc() - before;
    expect(hints.size).toBeLessThanOrEqual(TAG_HINT_LIMITS.keys);
    // One-byte strings: the characters once, plus per key its Map slot, its array and 9 string headers (~0.5 KB).
    expect(grown).toBeLessThan(TAG_HINT_LIMITS.chars + TAG_HINT_LIMITS.keys * 512);
  });
});
