/**
 * Bounces in the styles of the common MTAs, written for these tests: the
 * addresses, hosts and ids are made up; the layout of each is what that MTA
 * sends (field order, wording, markers before the returned message).
 */

/** Postfix: RFC 3464 multipart/report; the notice also says Auto-Submitted: auto-replied. */
export const POSTFIX_DSN = `Return-Path: <>
Date: Mon, 2 Mar 2026 09:12:01 +0100 (CET)
From: MAILER-DAEMON@mx1.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: alice@example.org
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="7D1A2C0461.1772439121/mx1.example.net"
Message-Id: <20260302081201.9F2E1C0462@mx1.example.net>

This is a MIME-encapsulated message.

--7D1A2C0461.1772439121/mx1.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<nobody@example.com>: host mx.example.com[192.0.2.10] said: 550 5.1.1
    <nobody@example.com>: Recipient address rejected: User unknown in virtual
    mailbox table (in reply to RCPT TO command)

--7D1A2C0461.1772439121/mx1.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.example.net
X-Postfix-Queue-ID: 7D1A2C0461
X-Postfix-Sender: rfc822; alice@example.org
Arrival-Date: Mon,  2 Mar 2026 09:11:59 +0100 (CET)

Final-Recipient: rfc822; nobody@example.com
Original-Recipient: rfc822;nobody@example.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.com
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: Recipient address
    rejected: User unknown in virtual mailbox table

--7D1A2C0461.1772439121/mx1.example.net
Content-Description: Undelivered Message
Content-Type: message/rfc822

Return-Path: <alice@example.org>
Message-ID: <c0ffee-1@example.org>
Date: Mon, 2 Mar 2026 09:11:58 +0100
From: Alice <alice@example.org>
To: nobody@example.com
Subject: Lunch?

Are you free on Thursday?

--7D1A2C0461.1772439121/mx1.example.net--
`;

/** Postfix's delay warning: a DSN whose recipients are all `delayed`. */
export const POSTFIX_DELAYED = `From: MAILER-DAEMON@mx1.example.net (Mail Delivery System)
Subject: Delayed Mail (still being retried)
To: alice@example.org
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B-delay"
Message-Id: <20260302120000.AA11@mx1.example.net>

--B-delay
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.example.net.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

<slow@example.com>: connect to mx.example.com[192.0.2.20]:25: Connection timed out

--B-delay
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.example.net
Arrival-Date: Mon,  2 Mar 2026 08:00:00 +0100 (CET)

Final-Recipient: rfc822; slow@example.com
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mx.example.com[192.0.2.20]:25: Connection
    timed out
Will-Retry-Until: Fri,  6 Mar 2026 08:00:00 +0100 (CET)

--B-delay
Content-Type: text/rfc822-headers

Message-ID: <c0ffee-2@example.org>
From: Alice <alice@example.org>
To: slow@example.com
Subject: Report

--B-delay--
`;

/** One DSN for three recipients: one failed, one delivered, one relayed. Only the failed one is reported. */
export const MIXED_DSN = `From: postmaster@relay.example.net
To: alice@example.org
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; boundary="B-mixed"; report-type="delivery-status"

--B-mixed
Content-Type: text/plain

Some recipients of your message could not be reached.

--B-mixed
Content-Type: message/delivery-status

Reporting-MTA: dns;relay.example.net

Final-Recipient: RFC822; <gone@example.com>
Action: failed
Status: 5.2.1
Diagnostic-Code: smtp; 550 5.2.1 The email account that you tried to reach is disabled
Remote-MTA: dns; [192.0.2.30]

Final-Recipient: rfc822; here@example.com
Action: delivered
Status: 2.0.0

Final-Recipient: rfc822; onward@example.com
Action: relayed
Status: 2.0.0

--B-mixed
Content-Type: message/rfc822

Message-ID: <c0ffee-3@example.org>
From: alice@example.org
Subject: Hello all

Hi.

--B-mixed--
`;

/** A success DSN (NOTIFY=SUCCESS): a report, not a bounce. */
export const SUCCESS_DSN = `From: MAILER-DAEMON@mx1.example.net (Mail Delivery System)
Subject: Successful Mail Delivery Report
To: alice@example.org
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B-ok"

--B-ok
Content-Type: text/plain

Your message was successfully delivered to the destination(s) listed below.

--B-ok
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.example.net

Final-Recipient: rfc822; bob@example.com
Action: delivered
Status: 2.0.0

--B-ok--
`;

/** Exim: prose, X-Failed-Recipients, and the copy of the message after its marker. */
export const EXIM = `Return-path: <>
From: Mail Delivery System <Mailer-Daemon@smtp.example.net>
To: alice@example.org
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1vX7q2-0004Zt-Ab@smtp.example.net>
X-Failed-Recipients: full@example.com
Auto-Submitted: auto-replied
Date: Mon, 02 Mar 2026 10:01:02 +0000

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  full@example.com
    host mx.example.com [192.0.2.40]
    SMTP error from remote mail server after RCPT TO:<full@example.com>:
    552 5.2.2 Mailbox full

------ This is a copy of the message, including all the headers. ------

Return-path: <alice@example.org>
Message-ID: <c0ffee-4@example.org>
From: alice@example.org
To: full@example.com
Subject: Photos

See attached.
`;

/** Exchange (on premises): "Undeliverable:", prose in multipart/alternative, then "Original message headers:". */
export const EXCHANGE = `From: Microsoft Outlook <postmaster@corp.example.net>
To: <alice@example.org>
Subject: Undeliverable: Quarterly numbers
Content-Type: multipart/alternative; boundary="B-ex"
MIME-Version: 1.0

--B-ex
Content-Type: text/plain; charset="us-ascii"

Delivery has failed to these recipients or groups:

carol@corp.example.net<mailto:carol@corp.example.net>
The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.

Diagnostic information for administrators:

Generating server: EX01.corp.example.net

carol@corp.example.net
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

Original message headers:

Message-ID: <c0ffee-5@example.org>
From: alice@example.org
To: carol@corp.example.net
Subject: Quarterly numbers

--B-ex
Content-Type: text/html; charset="us-ascii"

<p>Delivery has failed to these recipients or groups:</p>

--B-ex--
`;

/** Gmail's old plain-text notice. */
export const GMAIL = `From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: alice@example.org
Subject: Delivery Status Notification (Failure)
Content-Type: text/plain; charset=ISO-8859-1

Delivery to the following recipient failed permanently:

     typo@example.com

Technical details of permanent failure:
Google tried to deliver your message, but it was rejected by the server for the recipient domain example.com by mx.example.com. [192.0.2.50].

The error that the other server returned was:
550 5.1.1 The email account that you tried to reach does not exist.

----- Original message -----

Message-ID: <c0ffee-6@example.org>
From: alice@example.org
To: typo@example.com
Subject: Hi
`;

/** qmail: "failure notice", two recipients each in a `<addr>:` block. */
export const QMAIL = `Return-Path: <>
From: MAILER-DAEMON@mail.example.net
To: alice@example.org
Subject: failure notice

Hi. This is the qmail-send program at mail.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<one@example.com>:
192.0.2.60 does not like recipient.
Remote host said: 550 5.1.1 <one@example.com>... User unknown
Giving up on 192.0.2.60.

<two@example.com>:
Sorry, I couldn't find any host named example.com. (#5.1.2)

--- Below this line is a copy of the message.

Return-Path: <alice@example.org>
Message-ID: <c0ffee-7@example.org>
From: alice@example.org
To: one@example.com, two@example.com
Subject: News
`;

/** Sendmail without MIME: "Returned mail: see transcript for details", transcript, unsent message. */
export const SENDMAIL = `From: Mail Delivery Subsystem <MAILER-DAEMON@gw.example.net>
To: <alice@example.org>
Subject: Returned mail: see transcript for details
Auto-Submitted: auto-generated (failure)

The original message was received at Mon, 2 Mar 2026 11:00:00 +0100
from client.example.org [198.51.100.7]

   ----- The following addresses had permanent fatal errors -----
<dave@example.com>
    (reason: 550 5.7.1 Relaying denied)

   ----- Transcript of session follows -----
... while talking to mx.example.com.:
>>> RCPT To:<dave@example.com>
<<< 550 5.7.1 Relaying denied
554 5.0.0 Service unavailable

   ----- Unsent message follows -----
Message-Id: <c0ffee-8@example.org>
From: alice@example.org
To: dave@example.com
Subject: Contract
`;

/** A person forwards a bounce: not a bounce. */
export const FORWARDED_BOUNCE = `From: Alice <alice@example.org>
To: helpdesk@example.net
Subject: Fwd: Undelivered Mail Returned to Sender
Content-Type: text/plain; charset=utf-8

Why did this bounce?

-------- Forwarded Message --------
Subject: Undelivered Mail Returned to Sender
From: MAILER-DAEMON@mx1.example.net

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.
`;
