// Keycloak's password policy: the realm's `passwordPolicy` string, e.g.
// `length(12) and digits(1) and notUsername(undefined) and passwordHistory(3)`, parsed into
// rules, and a new password checked against them with Keycloak's message keys.

import { verifyPassword, type StoredPassword } from '../crypto/passwords.js';

/** The rules Latchkey knows, with Keycloak's defaults (the value a rule given without one takes). */
const RULES = {
  length: { kind: 'number', default: 8 },
  maxLength: { kind: 'number', default: 64 },
  digits: { kind: 'number', default: 1 },
  lowerCase: { kind: 'number', default: 1 },
  upperCase: { kind: 'number', default: 1 },
  specialChars: { kind: 'number', default: 1 },
  notUsername: { kind: 'none' },
  notEmail: { kind: 'none' },
  notContainsUsername: { kind: 'none' },
  passwordHistory: { kind: 'number', default: 3 },
  forceExpiredPasswordChange: { kind: 'number', default: 365 },
  regexPattern: { kind: 'regex' },
  // Kept and given back; Latchkey hashes every password it sets with argon2id, whatever these say.
  hashAlgorithm: { kind: 'text', default: 'argon2' },
  hashIterations: { kind: 'number', default: 5 },
  maxAuthAge: { kind: 'number', default: 300 },
} as const;

export type PolicyRuleName = keyof typeof RULES;

export interface PasswordPolicy {
  numbers: Partial<Record<PolicyRuleName, number>>;
  notUsername: boolean;
  notEmail: boolean;
  notContainsUsername: boolean;
  /** Each must match the whole password (Keycloak's Matcher.matches). */
  patterns: RegExp[];
  hashAlgorithm?: string;
}

/** A policy string Latchkey cannot apply: the admin API answers 400 with the message, an import names it. */
export class PasswordPolicyError extends Error {
  override name = 'PasswordPolicyError';
}

/** Keycloak's words for a missing value in an export: `notUsername(undefined)`. */
const NO_VALUE = new Set(['', 'undefined']);

/** The policy's rules as Keycloak splits them: ` and ` between, each `name` or `name(value)`. */
function terms(text: string): Array<{ name: string; value: string | undefined }> {
  return text.split(' and ').map((t) => t.trim()).filter((t) => t !== '').map((term) => {
    const open = term.indexOf('(');
    if (open === -1) return { name: term, value: undefined };
    const value = term.slice(open + 1, term.endsWith(')') ? -1 : undefined).trim();
    return { name: term.slice(0, open).trim(), value: NO_VALUE.has(value) ? undefined : value };
  });
}

const isRule = (name: string): name is PolicyRuleName => Object.hasOwn(RULES, name);

/** Adds one rule of the string to the policy; throws PasswordPolicyError when it is unknown or its value does not fit. */
function addRule(policy: PasswordPolicy, { name, value }: { name: string; value: string | undefined }): void {
  if (!isRule(name)) throw new PasswordPolicyError(`Password policy not found: ${name}`);
  const rule = RULES[name];
  if (rule.kind === 'number') {
    if (value !== undefined && !/^\d{1,9}$/.test(value)) throw new PasswordPolicyError(`Invalid config for ${name}: not a number`);
    policy.numbers[name] = value === undefined ? rule.default : Number(value);
  } else if (rule.kind === 'regex') {
    if (value === undefined) throw new PasswordPolicyError(`Invalid config for ${name}: a regular expression is required`);
    try {
      policy.patterns.push(new RegExp(`^(?:${value})$`, 'u'));
    } catch {
      throw new PasswordPolicyError(`Invalid config for ${name}: not a valid regular expression`);
    }
  } else if (rule.kind === 'text') {
    policy.hashAlgorithm = value ?? rule.default;
  } else {
    policy[name as 'notUsername' | 'notEmail' | 'notContainsUsername'] = true;
  }
}

const emptyPolicy = (): PasswordPolicy => ({ numbers: {}, notUsername: false, notEmail: false, notContainsUsername: false, patterns: [] });

/** What is wrong with the policy string: a message per rule Latchkey cannot apply (none for an empty or absent one). */
export function policyProblems(text: string | undefined): string[] {
  const problems: string[] = [];
  for (const term of text ? terms(text) : []) {
    try {
      addRule(emptyPolicy(), term);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems;
}

/**
 * The realm's policy. The admin API refuses a string with problems (policyProblems); one
 * imported with them, which the import reported, is applied without the rules it cannot apply.
 */
export function parsePasswordPolicy(text: string | undefined): PasswordPolicy {
  const policy = emptyPolicy();
  for (const term of text ? terms(text) : []) {
    try {
      addRule(policy, term);
    } catch {
      // Reported at import; the admin API never stores such a rule.
    }
  }
  return policy;
}

/** A rule the password broke: Keycloak's message key and its arguments. */
export interface PolicyViolation {
  error: string;
  args: string[];
}

const count = (password: string, re: RegExp) => password.match(re)?.length ?? 0;

/** Characters of each class, as Keycloak counts them (Character.isDigit, isLowerCase, isUpperCase, not isLetterOrDigit). */
const CLASSES = [
  ['digits', /\p{Nd}/gu, 'invalidPasswordMinDigitsMessage'],
  ['lowerCase', /\p{Ll}/gu, 'invalidPasswordMinLowerCaseCharsMessage'],
  ['upperCase', /\p{Lu}/gu, 'invalidPasswordMinUpperCaseCharsMessage'],
  ['specialChars', /[^\p{L}\p{Nd}]/gu, 'invalidPasswordMinSpecialCharsMessage'],
] as const;

/**
 * The first rule the new password breaks, in Keycloak's order, or undefined. `history` gives
 * the user's current and earlier passwords, newest first, up to as many as asked for (only
 * called when the policy has passwordHistory).
 */
export async function checkPassword(
  policy: PasswordPolicy,
  password: string,
  user: { username: string; email: string | null },
  history: (depth: number) => Promise<StoredPassword[]> = async () => [],
): Promise<PolicyViolation | undefined> {
  const { numbers } = policy;
  const length = [...password].length;
  if (numbers.length !== undefined && length < numbers.length) return { error: 'invalidPasswordMinLengthMessage', args: [String(numbers.length)] };
  if (numbers.maxLength !== undefined && length > numbers.maxLength) return { error: 'invalidPasswordMaxLengthMessage', args: [String(numbers.maxLength)] };
  for (const [name, re, error] of CLASSES) {
    const least = numbers[name];
    if (least !== undefined && count(password, re) < least) return { error, args: [String(least)] };
  }
  const lower = password.toLowerCase();
  if (policy.notUsername && lower === user.username.toLowerCase()) return { error: 'invalidPasswordNotUsernameMessage', args: [] };
  if (policy.notContainsUsername && user.username !== '' && lower.includes(user.username.toLowerCase())) {
    return { error: 'invalidPasswordNotContainsUsernameMessage', args: [] };
  }
  if (policy.notEmail && user.email && lower === user.email.toLowerCase()) return { error: 'invalidPasswordNotEmailMessage', args: [] };
  if (policy.patterns.some((re) => !re.test(password))) return { error: 'invalidPasswordRegexPatternMessage', args: [] };
  const depth = numbers.passwordHistory ?? 0;
  if (depth > 0) {
    for (const earlier of await history(depth)) {
      if (await verifyPassword(earlier, password)) return { error: 'invalidPasswordHistoryMessage', args: [String(depth)] };
    }
  }
  return undefined;
}

/** How many passwords before the current one to keep for passwordHistory (it counts the current one too). */
export const earlierPasswordsKept = (policy: PasswordPolicy): number => Math.max(0, (policy.numbers.passwordHistory ?? 0) - 1);
