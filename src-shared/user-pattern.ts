import { RE2JS } from 're2js';

/**
 * A regular expression a user typed (split, group and scene patterns), compiled for RE2's
 * linear-time engine (re2js, a pure-JS port of RE2): matching takes time proportional to the text
 * whatever the pattern, so `(a+)+$` against 27 a's cannot freeze the server, a CLI or the page as
 * JavaScript's backtracking RegExp does. The price is RE2's syntax: no backreferences and no
 * lookaround, which are refused with the reason.
 */
export interface UserPattern {
  readonly source: string;
  /** Whether the pattern matches anywhere in the text (RegExp.test without flags). */
  test(text: string): boolean;
  /** The first match's groups, [whole match, group 1, ...] (undefined for a group that took no part), or null. */
  exec(text: string): (string | undefined)[] | null;
}

/** Longest pattern taken: enough for any file-name rule, small enough to echo in an error. */
const maxPatternLength = 200;

/** Compiles a user's pattern; throws an Error saying what is wrong and what RE2 accepts. */
export function compileUserPattern(source: string): UserPattern {
  if (source.length > maxPatternLength) throw new Error(`the pattern is ${source.length} characters long; at most ${maxPatternLength} are taken`);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    throw new Error(`${reason} (patterns use RE2 syntax: groups, classes, alternation and repetition; no backreferences or lookaround)`);
  }
  return {
    source,
    test: (text) => compiled.matcher(text).find(),
    exec: (text) => {
      const matcher = compiled.matcher(text);
      if (!matcher.find()) return null;
      const groups: (string | undefined)[] = [];
      for (let g = 0; g <= matcher.groupCount(); g += 1) groups.push(matcher.group(g) ?? undefined);
      return groups;
    },
  };
}
