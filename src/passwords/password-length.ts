/** Unicode code points, not UTF-16 units: an emoji counts once. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** A password's length as the policy counts it: code points of its NFKC form (the form that is hashed). */
export function passwordLength(password: string): number {
  return codePointLength(password.normalize('NFKC'));
}
