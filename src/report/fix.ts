import { TEXT_MAX, visible } from "../core/safeText.js";

/** A fix as a code block: its lines, and the words after a command that are not part of it. */
export interface FixBlock {
  /** The lines of the code block: a long command one flag per line, with shell line continuations. */
  code: string[];
  /** A remark that closed a command ("takes up to 30 minutes to apply"), shown under the block. */
  notes: string[];
}

/** A line that is a command to paste (Azure CLI, curl, Az PowerShell), not a sentence. */
const COMMAND = /^(az|curl|azcopy|Connect-Az\w*|(Get|Set|New|Remove|Update)-Az\w*)\s/;
/** Commands shorter than this stay on one line. */
const ONE_LINE = 60;

/** Splits a command before each ` --flag` outside quotes, so no line break falls inside a flag. */
function splitFlags(command: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === " " && command.startsWith(" --", i) && i > start) {
      parts.push(command.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(command.slice(start));
  return parts.map((p, i) => (i === 0 ? p : `  ${p}`)).map((p, i, all) => (i < all.length - 1 ? `${p} \\` : p));
}

/**
 * The fix, made visible (safeText, line breaks kept) and laid out as code: each command on its
 * own lines, one flag per line; other lines as they are.
 */
export function fixBlock(remediation: string, max = TEXT_MAX): FixBlock {
  const code: string[] = [];
  const notes: string[] = [];
  for (const raw of visible(remediation, max, true).split("\n")) {
    const line = raw.trimEnd();
    if (!COMMAND.test(line)) {
      code.push(line);
      continue;
    }
    const remark = /^(.*?\S)\s+\(([^()]+)\)\.?$/.exec(line);
    const command = remark ? remark[1]! : line;
    if (remark) notes.push(remark[2]!);
    code.push(...(command.length > ONE_LINE ? splitFlags(command) : [command]));
  }
  while (code.length && code[code.length - 1] === "") code.pop();
  return { code, notes };
}
