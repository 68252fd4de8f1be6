/** A mail as the features compose it: the sender (MAIL_FROM) is added on delivery. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}
