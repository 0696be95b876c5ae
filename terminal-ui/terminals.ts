// Terminal names the console accepts (ICD 1), without loading blessed: the SSH server can check a
// client's pty request against this before it starts a console.

/** The allow-list: blessed compiles terminfo with `new Function` and reads a name with `/` as a path. */
export const TERMINALS = ['xterm', 'xterm-256color', 'vt100', 'vt220', 'screen', 'screen-256color', 'tmux', 'tmux-256color', 'linux'] as const;

export type TerminalName = (typeof TERMINALS)[number];

export const isAllowedTerminal = (t: string | undefined): t is TerminalName => t !== undefined && (TERMINALS as readonly string[]).includes(t);

/**
 * The terminfo entry blessed is given. blessed 0.1.81 cannot parse ncurses 6 extended entries
 * (the `-256color` ones fail and it prints the failure on stderr): their base entry has the same
 * keys, and green on black needs no more than 8 colours. Any other name becomes `xterm`.
 */
export const blessedTerminal = (t: string): string => (isAllowedTerminal(t) ? t.replace(/-256color$/, '') : 'xterm');
