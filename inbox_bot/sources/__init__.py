"""Where mails come from: files on disk (eml, folders, Maildir, mbox) and IMAP mailboxes."""
