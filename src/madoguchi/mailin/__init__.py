"""The mail-in channel (郵送申請): the web form's answers, printed, signed and posted."""
