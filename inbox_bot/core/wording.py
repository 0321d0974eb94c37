"""Reasons, document kinds and verdicts in words: French first, Arabic and English beside. Pure, no I/O.

The coordinator reads French, an applicant the call's reply language, the log English. Every ReasonCode has a
sentence in each language (tests/test_wording.py holds that); a parameter that is missing renders as "?".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

from inbox_bot.core.command_words import COMMAND_SENTENCES
from inbox_bot.core.models import DocumentKind
from inbox_bot.core.reasons import Action, Cause, Reason, ReasonCode
from inbox_bot.core.timezones import morocco_time

Language = Literal["fr", "ar", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "ar", "en")
C = ReasonCode

KIND_LABELS: dict[Language, dict[DocumentKind, str]] = {
    "fr": {
        DocumentKind.CV: "CV",
        DocumentKind.COVER_LETTER: "lettre de motivation",
        DocumentKind.REFERENCES: "références de missions ou de projets similaires",
        DocumentKind.METHODOLOGY_NOTE: "note méthodologique (proposition technique)",
        DocumentKind.FINANCIAL_OFFER: "offre financière",
        DocumentKind.ADMINISTRATIVE_FILE: "dossier administratif",
        DocumentKind.TAX_CERTIFICATE: "attestation fiscale (identification fiscale)",
        DocumentKind.CODE_OF_CONDUCT: "code de conduite signé",
        DocumentKind.SIGNED_TERMS: "conditions générales signées",
        DocumentKind.IDENTITY_DOCUMENT: "pièce d'identité (carte nationale ou passeport)",
        DocumentKind.OTHER: "autre document",
    },
    "ar": {
        DocumentKind.CV: "السيرة الذاتية",
        DocumentKind.COVER_LETTER: "رسالة التحفيز",
        DocumentKind.REFERENCES: "مراجع مهام أو مشاريع مماثلة",
        DocumentKind.METHODOLOGY_NOTE: "المذكرة المنهجية (العرض التقني)",
        DocumentKind.FINANCIAL_OFFER: "العرض المالي",
        DocumentKind.ADMINISTRATIVE_FILE: "الملف الإداري",
        DocumentKind.TAX_CERTIFICATE: "شهادة التعريف الجبائي",
        DocumentKind.CODE_OF_CONDUCT: "مدونة السلوك موقعة",
        DocumentKind.SIGNED_TERMS: "الشروط العامة موقعة",
        DocumentKind.IDENTITY_DOCUMENT: "وثيقة الهوية (البطاقة الوطنية أو جواز السفر)",
        DocumentKind.OTHER: "وثيقة أخرى",
    },
    "en": {
        DocumentKind.CV: "CV",
        DocumentKind.COVER_LETTER: "cover letter",
        DocumentKind.REFERENCES: "references of similar assignments or projects",
        DocumentKind.METHODOLOGY_NOTE: "methodology note (technical proposal)",
        DocumentKind.FINANCIAL_OFFER: "financial offer",
        DocumentKind.ADMINISTRATIVE_FILE: "administrative file",
        DocumentKind.TAX_CERTIFICATE: "tax certificate (tax identification)",
        DocumentKind.CODE_OF_CONDUCT: "signed code of conduct",
        DocumentKind.SIGNED_TERMS: "signed terms and conditions",
        DocumentKind.IDENTITY_DOCUMENT: "identity document (national ID card or passport)",
        DocumentKind.OTHER: "other document",
    },
}
MOROCCO_TIME = {"fr": "heure du Maroc", "ar": "بتوقيت المغرب", "en": "Morocco time"}
VERDICTS: dict[Language, dict[str, str]] = {
    "fr": {"complete": "complet", "incomplete": "incomplet", "late": "en retard", "duplicate": "doublon",
           "unmatched": "non attribué", "ignored": "ignoré", "needs_review": "à vérifier",
           "rejected": "rejeté"},
    "ar": {"complete": "كامل", "incomplete": "ناقص", "late": "متأخر", "duplicate": "مكرر",
           "unmatched": "غير منسوب", "ignored": "مهمل", "needs_review": "للمراجعة",
           "rejected": "مرفوض"},
    "en": {"complete": "complete", "incomplete": "incomplete", "late": "late", "duplicate": "duplicate",
           "unmatched": "unmatched", "ignored": "ignored", "needs_review": "to review",
           "rejected": "rejected"},
}  # fmt: skip
# What a document is, as the coordinator reads it: a file can be there, absent, there but unreadable, or behind
# a link someone has to fetch by hand.
DOCUMENT_STATES: dict[Language, dict[str, str]] = {
    "fr": {"present": "présent", "missing": "manquant", "unreadable": "illisible", "to_fetch": "à récupérer"},
    "ar": {"present": "موجود", "missing": "ناقص", "unreadable": "غير مقروء", "to_fetch": "للتحميل"},
    "en": {"present": "present", "missing": "missing", "unreadable": "unreadable", "to_fetch": "to fetch"},
}
_LATE_FR = "reçu le {received}, date limite{extended} {deadline}"
_LATE_AR = "ورد في {received}، والأجل{extended} {deadline}"
_LATE_EN = "received {received}, deadline{extended} {deadline}"
_REASON_SENTENCES: dict[Language, dict[ReasonCode, str]] = {
    "fr": {
        C.NOTE: "{text}",
        C.MACHINE_SENT: "message automatique ({signals})",
        C.MAIL_UNPARSABLE: "le message n'a pas pu être lu ({detail})",
        C.MAIL_REFUSED: "message refusé sans être lu : {detail}",
        C.MAIL_NOT_READ: "message non lu : {detail}",
        C.TRIAGE_FAILED: "inbox-bot n'a pas pu trier ce message ({error})",
        C.BAD_BASE64: "pièce jointe « {file} » mal encodée (base64 invalide)",
        C.NOT_ADDRESSED: "adressé à aucune adresse d'appel",
        C.NOT_ABOUT_CALL: "envoyé à {addressed}, mais rien n'y parle de {calls}",
        C.AMBIGUOUS_CALL: "pourrait concerner {calls} : rien ne permet de trancher",
        C.SUBJECT_IMPOSED: "objet imposé de {call}",
        C.THREAD_OF_CALL: "répond à un courriel de l'échange sur {call}",
        C.SUBJECT_VARIANT: "variante de l'objet imposé de {call} ({words})",
        C.SUBJECT_TOPIC: "l'objet parle de « {topic} » ({call})",
        C.TEXT_TOPIC: "le message ou ses pièces parlent de « {topic} » ({call})",
        C.BODY_CITES: "le message cite « {reference} » ({call})",
        C.CARRIES_DOCUMENTS: "contient des pièces de candidature pour {call} ({kinds})",
        C.SPONTANEOUS_APPLICATION: "une candidature spontanée ({phrase}), pas une candidature à {call}",
        C.INTERNSHIP_REQUEST: "une demande de stage ({phrase}), pas une candidature à {call}",
        C.INVITATION: "une invitation ({phrase}), pas une candidature à {call}",
        C.FORWARDED_BY_STAFF: "transféré ({how}) par {by}, de l'organisation ; le candidat est l'expéditeur {sender}",
        C.FORWARDS_MAIL: "transfère ({how}) un courriel envoyé d'abord par {sender}",
        C.DUPLICATE_MAIL: "le même message ({message_id}) a déjà été reçu pour {call}",
        C.DUPLICATE_FILES: "toutes les pièces jointes ont déjà été reçues de ce candidat",
        C.CLOCKS_DISAGREE: "le serveur l'a reçu le {server} mais son en-tête Received dit {header} : de part et "
                           "d'autre de la date limite {deadline}, à vérifier",
        C.DATE_HEADER_ONLY: _LATE_FR + " : seule la date de l'expéditeur (en-tête Date) le dit, à vérifier",
        C.LATE_ACCEPTED: _LATE_FR + " : en retard, mais l'appel accepte les dossiers en retard",
        C.LATE_HELD: _LATE_FR + " : conservé à part, examiné seulement si les dossiers à temps ne suffisent pas",
        C.LATE_REJECTED: _LATE_FR + " : irrecevable",
        C.CLOUD_LINK: "dossier envoyé par lien, à récupérer : {url}",
        C.PAGES_OVER_LIMIT: "{file} : {pages} pages, l'appel en permet {limit} pour : {kind}",
        C.MISSING: "manque : {kinds}",
        C.ALL_DOCUMENTS_IN: "toutes les pièces demandées sont là",
        C.PASSWORD_PROTECTED: "{file} : protégé par un mot de passe",
        C.PROTECTED_OR_OLD: "{file} : fichier {format} protégé par un mot de passe ou d'un format ancien",
        C.DISGUISED_TYPE: "{file} : nommé .{named} mais c'est en réalité : {real}",
        C.EXECUTABLE_REFUSED: "{file} : programme refusé ({type})",
        C.ARCHIVE_UNSUPPORTED: "{file} : archive {format} non prise en charge (seul le zip est ouvert)",
        C.ARCHIVE_REFUSED: "{file} : archive refusée ({detail})",
        C.UNREADABLE_FILE: "{file} : illisible ou abîmé ({detail})",
        C.TEXT_NOT_READ: "{file} : texte non lu ({detail})",
        C.PROGRAM_NOT_DOCUMENT: "{file} : un programme ({type}), pas un document",
        C.NAMED_AS: "le nom « {file} » indique : {kind}",
        C.NAME_AMBIGUOUS: "le nom « {file} » pourrait indiquer : {kinds}",
        C.KIND_FROM_NAME: "{file} : contenu non lu, nature déduite du nom",
        C.NAME_SAYS_NOTHING: "{file} : ni le nom ni le contenu ne disent ce que c'est",
        C.NO_TEXT: "{file} : aucun texte à lire (image ou scan)",
        C.TEXT_MENTIONS: "le texte mentionne {phrases}{more} ({kind})",
        C.WEAK_EVIDENCE: "indices faibles : {kind} probable (score {score}, {needed} requis)",
        C.TIE: "égalité entre {kinds} (score {score})",
        C.LESS_LIKELY: "moins probable : {kind} (score {score} contre {best})",
        C.HOLDS_KINDS: "{file} : plusieurs pièces dans un seul fichier : {kinds}",
        C.OWN_KIND: "{file} : pièce propre à l'appel, {kind} ({evidence})",
        C.READ_BY_OCR: "{file} : lu par OCR (reconnaissance de caractères), le texte peut contenir des erreurs",
    },
    "ar": {
        C.NOTE: "{text}",
        C.MACHINE_SENT: "رسالة آلية ({signals})",
        C.MAIL_UNPARSABLE: "تعذرت قراءة الرسالة ({detail})",
        C.MAIL_REFUSED: "رسالة مرفوضة دون قراءتها: {detail}",
        C.MAIL_NOT_READ: "رسالة لم تُقرأ: {detail}",
        C.TRIAGE_FAILED: "تعذر على inbox-bot فرز هذه الرسالة ({error})",
        C.BAD_BASE64: "المرفق «{file}» غير مرمّز بشكل صحيح",
        C.NOT_ADDRESSED: "غير موجهة إلى أي عنوان إعلان",
        C.NOT_ABOUT_CALL: "أُرسلت إلى {addressed} لكن لا شيء فيها يخص {calls}",
        C.AMBIGUOUS_CALL: "قد تخص {calls}: لا شيء يميز بينها",
        C.SUBJECT_IMPOSED: "الموضوع المفروض لـ {call}",
        C.THREAD_OF_CALL: "رد على رسالة من المراسلة بشأن {call}",
        C.SUBJECT_VARIANT: "صيغة من الموضوع المفروض لـ {call} ({words})",
        C.SUBJECT_TOPIC: "الموضوع يذكر «{topic}» ({call})",
        C.TEXT_TOPIC: "الرسالة أو مرفقاتها تذكر «{topic}» ({call})",
        C.BODY_CITES: "الرسالة تذكر «{reference}» ({call})",
        C.CARRIES_DOCUMENTS: "تحمل وثائق ترشيح لـ {call} ({kinds})",
        C.SPONTANEOUS_APPLICATION: "ترشيح تلقائي ({phrase})، وليس ترشيحا لـ {call}",
        C.INTERNSHIP_REQUEST: "طلب تدريب ({phrase})، وليس ترشيحا لـ {call}",
        C.INVITATION: "دعوة ({phrase})، وليست ترشيحا لـ {call}",
        C.FORWARDED_BY_STAFF: "أعاد توجيهها ({how}) {by} من المنظمة؛ المترشح هو المرسل {sender}",
        C.FORWARDS_MAIL: "تعيد توجيه ({how}) رسالة أرسلها أولا {sender}",
        C.DUPLICATE_MAIL: "نفس الرسالة ({message_id}) وردت من قبل لـ {call}",
        C.DUPLICATE_FILES: "كل المرفقات وردت من قبل من هذا المترشح",
        C.CLOCKS_DISAGREE: "استلمها الخادم في {server} لكن ترويسة Received تقول {header}: على جانبي الأجل "
                           "{deadline}، للمراجعة",
        C.DATE_HEADER_ONLY: _LATE_AR + ": لا يقول ذلك إلا تاريخ المرسل، للمراجعة",
        C.LATE_ACCEPTED: _LATE_AR + ": متأخر، لكن الإعلان يقبل الملفات المتأخرة",
        C.LATE_HELD: _LATE_AR + ": محفوظ جانبًا",
        C.LATE_REJECTED: _LATE_AR + ": غير مقبول",
        C.CLOUD_LINK: "ملف مرسل عبر رابط، يجب تحميله: {url}",
        C.PAGES_OVER_LIMIT: "{file}: {pages} صفحة، والإعلان يسمح بـ {limit} لـ {kind}",
        C.MISSING: "ناقص: {kinds}",
        C.ALL_DOCUMENTS_IN: "كل الوثائق المطلوبة موجودة",
        C.PASSWORD_PROTECTED: "{file}: محمي بكلمة سر",
        C.PROTECTED_OR_OLD: "{file}: ملف {format} محمي بكلمة سر أو بصيغة قديمة",
        C.DISGUISED_TYPE: "{file}: اسمه .{named} لكن محتواه في الحقيقة: {real}",
        C.EXECUTABLE_REFUSED: "{file}: برنامج مرفوض ({type})",
        C.ARCHIVE_UNSUPPORTED: "{file}: أرشيف {format} غير مدعوم (يُفتح zip فقط)",
        C.ARCHIVE_REFUSED: "{file}: أرشيف مرفوض ({detail})",
        C.UNREADABLE_FILE: "{file}: غير مقروء أو تالف ({detail})",
        C.TEXT_NOT_READ: "{file}: لم يُقرأ النص ({detail})",
        C.PROGRAM_NOT_DOCUMENT: "{file}: برنامج ({type}) وليس وثيقة",
        C.NAMED_AS: "الاسم «{file}» يدل على: {kind}",
        C.NAME_AMBIGUOUS: "الاسم «{file}» قد يدل على: {kinds}",
        C.KIND_FROM_NAME: "{file}: لم يُقرأ المحتوى، والنوع مأخوذ من الاسم",
        C.NAME_SAYS_NOTHING: "{file}: لا الاسم ولا المحتوى يدلان على نوعه",
        C.NO_TEXT: "{file}: لا نص للقراءة (صورة أو مسح ضوئي)",
        C.TEXT_MENTIONS: "النص يذكر {phrases}{more} ({kind})",
        C.WEAK_EVIDENCE: "قرائن ضعيفة: {kind} محتمل (النقاط {score}، المطلوب {needed})",
        C.TIE: "تعادل بين {kinds} (النقاط {score})",
        C.LESS_LIKELY: "أقل احتمالًا: {kind} (النقاط {score} مقابل {best})",
        C.HOLDS_KINDS: "{file}: عدة وثائق في ملف واحد: {kinds}",
        C.OWN_KIND: "{file}: وثيقة خاصة بالإعلان، {kind} ({evidence})",
        C.READ_BY_OCR: "{file}: قُرئ بالتعرف الضوئي على الحروف، وقد يحتوي النص على أخطاء",
    },
    "en": {
        C.NOTE: "{text}",
        C.MACHINE_SENT: "machine-sent ({signals})",
        C.MAIL_UNPARSABLE: "the mail could not be parsed ({detail})",
        C.MAIL_REFUSED: "{detail}",
        C.MAIL_NOT_READ: "{detail}",
        C.TRIAGE_FAILED: "inbox-bot could not triage this mail ({error})",
        C.BAD_BASE64: "attachment {file!r} is not valid base64",
        C.NOT_ADDRESSED: "not addressed to any call's address",
        C.NOT_ABOUT_CALL: "sent to {addressed} but nothing in it is about {calls}",
        C.AMBIGUOUS_CALL: "could be {calls}: nothing tells them apart",
        C.SUBJECT_IMPOSED: "subject is the imposed subject of {call}",
        C.THREAD_OF_CALL: "answers a mail of the thread about {call}",
        C.SUBJECT_VARIANT: "subject is a variant of the imposed subject ({words}) of {call}",
        C.SUBJECT_TOPIC: "subject speaks of {topic!r} ({call})",
        C.TEXT_TOPIC: "the mail or its documents speak of {topic!r} ({call})",
        C.BODY_CITES: "the body cites {reference!r} ({call})",
        C.CARRIES_DOCUMENTS: "carries application documents for {call} ({kinds})",
        C.SPONTANEOUS_APPLICATION: "a spontaneous application ({phrase}), not an application to {call}",
        C.INTERNSHIP_REQUEST: "an internship request ({phrase}), not an application to {call}",
        C.INVITATION: "an invitation ({phrase}), not an application to {call}",
        C.FORWARDED_BY_STAFF: "forwarded ({how}) by {by} of the organisation; the applicant is the sender {sender}",
        C.FORWARDS_MAIL: "forwards ({how}) a mail first sent by {sender}",
        C.DUPLICATE_MAIL: "the same mail ({message_id}) was already received for {call}",
        C.DUPLICATE_FILES: "every attached file was already received from this applicant",
        C.CLOCKS_DISAGREE: "the server received it {server} but its Received header says {header}: on either "
                           "side of the deadline {deadline}, check by hand",
        C.DATE_HEADER_ONLY: _LATE_EN + ", but only the sender's Date header says so: check by hand",
        C.LATE_ACCEPTED: _LATE_EN + ": late, but the call accepts late dossiers",
        C.LATE_HELD: _LATE_EN + ": held apart, considered only if on-time dossiers fail",
        C.LATE_REJECTED: _LATE_EN + ": inadmissible",
        C.CLOUD_LINK: "the dossier is a link to download, fetch it by hand: {url}",
        C.PAGES_OVER_LIMIT: "{file}: {pages} pages, the call allows {limit} for a {kind}",
        C.MISSING: "missing: {kinds}",
        C.ALL_DOCUMENTS_IN: "every required document is in",
        C.PASSWORD_PROTECTED: "{file}: password-protected",
        C.PROTECTED_OR_OLD: "{file}: password-protected or legacy {format} file",
        C.DISGUISED_TYPE: "{file}: named .{named} but content is {real}",
        C.EXECUTABLE_REFUSED: "{file}: program refused ({type})",
        C.ARCHIVE_UNSUPPORTED: "{file}: archive format {format} not supported (only zip is opened)",
        C.ARCHIVE_REFUSED: "{file}: archive refused: {detail}",
        C.UNREADABLE_FILE: "{file}: corrupt or unreadable {detail}",
        C.TEXT_NOT_READ: "{file}: {detail}",
        C.PROGRAM_NOT_DOCUMENT: "{file}: a program ({type}), not a document",
        C.NAMED_AS: "name {file!r} says {kind}",
        C.NAME_AMBIGUOUS: "name {file!r} could be {kinds}",
        C.KIND_FROM_NAME: "{file}: could not be read, kind taken from its name",
        C.NAME_SAYS_NOTHING: "{file}: neither the name nor the text says what it is",
        C.NO_TEXT: "{file}: no text to read (image or scan)",
        C.TEXT_MENTIONS: "text mentions {phrases}{more} ({kind})",
        C.WEAK_EVIDENCE: "weak evidence: best guess {kind} scores {score}, {needed} needed",
        C.TIE: "tie between {kinds} (score {score})",
        C.LESS_LIKELY: "less likely {kind} (score {score} against {best})",
        C.HOLDS_KINDS: "{file}: several documents in one file: {kinds}",
        C.OWN_KIND: "{file}: the call's own kind {kind} ({evidence})",
        C.READ_BY_OCR: "{file}: read by OCR, the text may hold mistakes",
    },
}  # fmt: skip
# What a mailbox failed to do, as the subject of "... échoue depuis" (status, the digest, the alert).
ACTIONS: dict[Language, dict[Action, str]] = {
    "fr": {Action.POLL: "la relève", Action.FILING: "le classement", Action.SENDING: "l'envoi des réponses",
           Action.PUSH: "l'attente des nouveaux courriels (IDLE)"},
    "ar": {Action.POLL: "جلب الرسائل", Action.FILING: "ترتيب الرسائل", Action.SENDING: "إرسال الردود",
           Action.PUSH: "انتظار الرسائل الجديدة (IDLE)"},
    "en": {Action.POLL: "polling", Action.FILING: "filing", Action.SENDING: "sending replies",
           Action.PUSH: "waiting for new mail (IDLE)"},
}
# The fix for each cause of a failure: what to change, and where (the config keys keep their names).
HINTS: dict[Language, dict[Cause, str]] = {
    "fr": {
        Cause.NAMESPACE: "le serveur range les dossiers personnels sous un autre préfixe : mettez folder_prefix de "
                         "cette boîte à celui qu'il annonce (souvent « INBOX. »), ou retirez-le pour suivre NAMESPACE",
        Cause.PERMISSION: "ce compte n'a pas le droit de créer ou d'écrire ce dossier : créez-le à la main ou donnez "
                          "ce droit au compte, ou faites pointer file_into vers des dossiers qui existent ; les "
                          "courriels restent dans la boîte en attendant",
        Cause.NAME: "le serveur refuse ce nom de dossier : vérifiez folder_delimiter et folder_prefix de cette boîte "
                    "(lus par LIST et NAMESPACE s'ils ne sont pas donnés), ou changez file_into",
        Cause.MISSING: "ce dossier n'existe pas sur le serveur : créez-le, ou corrigez file_into ou folder_prefix",
        Cause.CAPABILITY: "le serveur refuse une commande qu'il annonce pourtant (MOVE ou UID EXPUNGE) : signalez-le "
                          "à l'hébergeur ; les courriels restent dans la boîte en attendant",
        Cause.QUOTA: "la boîte est pleine ou dépasse une limite du serveur : libérez de la place ou demandez à "
                     "l'hébergeur un quota plus grand",
        Cause.AUTH: "le serveur refuse l'identifiant ou le mot de passe : renouvelez le mot de passe (ou le mot de "
                    "passe d'application) et mettez à jour la configuration",
        Cause.NETWORK: "le serveur ne répond pas ou la connexion coupe : vérifiez host, port et security, et le "
                       "réseau ; inbox-bot réessaie de lui-même",
        Cause.SERVER: "le serveur signale une panne de son côté : inbox-bot réessaie ; si cela dure, prévenez "
                      "l'hébergeur",
        Cause.RECIPIENT: "le serveur d'envoi refuse l'adresse du candidat : vérifiez-la (inbox-bot outbox) ; cette "
                         "réponse n'est pas renvoyée d'elle-même",
        Cause.REFUSED: "le serveur d'envoi refuse le message : lisez sa réponse (taille, filtre anti-spam, adresse "
                       "d'expéditeur) et corrigez la section [smtp]",
        Cause.OTHER: "la réponse du serveur ne dit pas la cause : lancez inbox-bot check pour voir ce qu'il accepte",
    },
    "ar": {
        Cause.NAMESPACE: "الخادم يضع المجلدات الشخصية تحت بادئة أخرى: اضبط folder_prefix لهذا الصندوق على ما يعلنه "
                         "(غالبا « INBOX. »)، أو احذفه لاتباع NAMESPACE",
        Cause.PERMISSION: "لا يحق لهذا الحساب إنشاء هذا المجلد أو الكتابة فيه: أنشئه يدويا أو امنح الحساب هذا الحق، "
                          "أو وجّه file_into إلى مجلدات موجودة؛ تبقى الرسائل في الصندوق في الأثناء",
        Cause.NAME: "الخادم يرفض اسم هذا المجلد: راجع folder_delimiter و folder_prefix لهذا الصندوق، أو غيّر file_into",
        Cause.MISSING: "هذا المجلد غير موجود على الخادم: أنشئه، أو صحح file_into أو folder_prefix",
        Cause.CAPABILITY: "الخادم يرفض أمرا يعلن أنه يدعمه (MOVE أو UID EXPUNGE): أبلغ مزود الاستضافة؛ تبقى الرسائل "
                          "في الصندوق في الأثناء",
        Cause.QUOTA: "الصندوق ممتلئ أو تجاوز حدا للخادم: أفرغ مساحة أو اطلب حصة أكبر من مزود الاستضافة",
        Cause.AUTH: "الخادم يرفض اسم المستخدم أو كلمة المرور: جدد كلمة المرور (أو كلمة مرور التطبيق) وحدّث الإعدادات",
        Cause.NETWORK: "الخادم لا يجيب أو الاتصال ينقطع: راجع host و port و security والشبكة؛ يعيد inbox-bot "
                       "المحاولة تلقائيا",
        Cause.SERVER: "الخادم يبلغ عن عطل من جهته: يعيد inbox-bot المحاولة؛ إن استمر فأبلغ مزود الاستضافة",
        Cause.RECIPIENT: "خادم الإرسال يرفض عنوان المترشح: تحقق منه (inbox-bot outbox)؛ لا يعاد إرسال هذا الرد تلقائيا",
        Cause.REFUSED: "خادم الإرسال يرفض الرسالة: اقرأ جوابه (الحجم، مرشح الرسائل المزعجة، عنوان المرسل) "
                       "وصحح قسم [smtp]",
        Cause.OTHER: "جواب الخادم لا يذكر السبب: شغّل inbox-bot check لمعرفة ما يقبله",
    },
    "en": {
        Cause.NAMESPACE: "the server keeps personal folders under another prefix: set folder_prefix for this mailbox "
                         "to the one it names (often 'INBOX.'), or remove it to follow NAMESPACE",
        Cause.PERMISSION: "this account may not create or write this folder: create it by hand or give the account "
                          "that right, or point file_into at folders that exist; the mails stay in the inbox meanwhile",
        Cause.NAME: "the server refuses this folder name: check folder_delimiter and folder_prefix for this mailbox "
                    "(detected from LIST and NAMESPACE unless set), or change file_into",
        Cause.MISSING: "this folder does not exist on the server: create it, or correct file_into or folder_prefix",
        Cause.CAPABILITY: "the server refuses a command it announces (MOVE or UID EXPUNGE): tell its host; the mails "
                          "stay in the inbox meanwhile",
        Cause.QUOTA: "the mailbox is full or over a server limit: free some space or ask the host for a larger quota",
        Cause.AUTH: "the server refuses the login: renew the password (or app password) and update the config",
        Cause.NETWORK: "the server does not answer or the connection drops: check host, port, security and the "
                       "network; inbox-bot tries again by itself",
        Cause.SERVER: "the server reports a failure on its side: inbox-bot tries again; if it lasts, tell its host",
        Cause.RECIPIENT: "the SMTP server refuses the applicant's address: check it (inbox-bot outbox); this reply "
                         "is not sent again by itself",
        Cause.REFUSED: "the SMTP server refuses the message: read its answer (size, spam filter, sender address) "
                       "and correct the [smtp] section",
        Cause.OTHER: "the server's answer names no cause: run inbox-bot check to see what it accepts",
    },
}  # fmt: skip
SENTENCES: dict[Language, dict[ReasonCode, str]] = {
    language: {**_REASON_SENTENCES[language], **COMMAND_SENTENCES[language]} for language in LANGUAGES
}
_EXTENDED = {"fr": " prolongée", "ar": " الممدد", "en": " (extended)"}
_MORE = {"fr": " et {n} autres", "ar": " و{n} أخرى", "en": " and {n} more"}
_INSTANTS = ("received", "deadline", "server", "header", "until")
_HOW = {
    "fr": {"attached": "en pièce jointe", "inline": "dans le corps du courriel"},
    "ar": {"attached": "كمرفق", "inline": "في نص الرسالة"},
    "en": {"attached": "attached", "inline": "inline"},
}


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def kind_label(kind: str, language: Language = "fr", own: Mapping[str, str] | None = None) -> str:
    """A kind as a person reads it; `own` holds the call's own kinds' labels (`Rule.own_labels`), by id."""
    if own and kind in own:
        return own[kind]
    try:
        return KIND_LABELS[language][DocumentKind(kind)]
    except ValueError:  # an own kind whose rule is not at hand: its id is all there is
        return kind


def kind_labels(kinds: Iterable[str], language: Language = "fr", own: Mapping[str, str] | None = None) -> list[str]:
    return [kind_label(kind, language, own) for kind in kinds]


def verdict_label(verdict: str, language: Language = "fr") -> str:
    return VERDICTS[language].get(verdict, verdict)


def moment(instant: datetime, language: Language, *, seconds: bool = False) -> str:
    local = morocco_time(instant)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    joiner = {"fr": "à", "ar": "على الساعة", "en": "at"}[language]
    return f"{local.strftime('%d/%m/%Y')} {joiner} {clock} ({MOROCCO_TIME[language]})"


def render(reason: Reason, language: Language = "fr", own: Mapping[str, str] | None = None) -> str:
    """The reason as a sentence in `language`; kinds become labels (the call's own ones from `own`) and instants
    Morocco time."""
    return SENTENCES[language][reason.code].format_map(_words(reason.params, language, own))


def render_all(
    reasons: Iterable[Reason], language: Language = "fr", own: Mapping[str, str] | None = None
) -> list[str]:
    return [render(r, language, own) for r in reasons]


def language_of(value: object) -> Language:
    """A rule's or a setting's language; French when it names none we have."""
    for language in LANGUAGES:
        if value == language:
            return language
    return "fr"


def _words(params: Mapping[str, str], language: Language, own: Mapping[str, str] | None) -> _Params:
    words = _Params(params)
    if "kind" in params:
        words["kind"] = kind_label(params["kind"], language, own)
    if "kinds" in params:
        words["kinds"] = ", ".join(kind_labels(filter(None, params["kinds"].split(",")), language, own))
    for key in _INSTANTS:
        if key in params:
            words[key] = _instant(params[key], language)
    if "verdict" in params:
        words["verdict"] = verdict_label(params["verdict"], language)
    if "how" in params:
        words["how"] = _HOW[language].get(params["how"], params["how"])
    words["extended"] = _EXTENDED[language] if params.get("extended") else ""
    more = params.get("more", "")
    words["more"] = _MORE[language].format(n=more) if more not in ("", "0") else ""
    return words


def _instant(value: str, language: Language) -> str:
    try:
        return moment(datetime.fromisoformat(value), language, seconds=True)
    except ValueError:
        return value


def for_json(
    reasons: Iterable[Reason], language: Language = "fr", own: Mapping[str, str] | None = None
) -> list[dict[str, object]]:
    """What `--json` carries: the code and parameters for scripts, and the sentence a person reads."""
    return [{**r.as_dict(), "text": render(r, language, own)} for r in reasons]


def state_label(state: str, language: Language = "fr") -> str:
    return DOCUMENT_STATES[language].get(state, state)


def action_label(action: str, language: Language = "fr") -> str:
    try:
        return ACTIONS[language][Action(action)]
    except ValueError:
        return action


def hint(cause: str | None, language: Language = "fr") -> str:
    """The fix for a failure's cause; an unknown or missing cause gets the fix of `other`."""
    try:
        return HINTS[language][Cause(cause or Cause.OTHER)]
    except ValueError:
        return HINTS[language][Cause.OTHER]
