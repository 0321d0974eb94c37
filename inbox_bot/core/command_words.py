"""What a coordinator's commands by mail did or why they were refused, in French, Arabic and English. Pure.

Kept beside `wording.SENTENCES` (which takes them in) so the confirmation's words live in one place. `ident` is an
application's ID (A17), `until` and `deadline` are instants (rendered in Morocco time), `verdict` a verdict's
value (rendered as its label).
"""

from __future__ import annotations

from inbox_bot.core.reasons import ReasonCode

C = ReasonCode

COMMAND_SENTENCES: dict[str, dict[ReasonCode, str]] = {
    "fr": {
        C.OPERATOR_COMMAND: "commande envoyée à inbox-bot par {by}, en réponse au digest",
        C.COMMAND_VERDICT_SET: "{ident} : décision « {verdict} » enregistrée",
        C.COMMAND_EXTENDED: "{ident} : délai prolongé jusqu'au {until}",
        C.COMMAND_CALL_EXTENDED: "{call} : délai de tout l'appel prolongé jusqu'au {until}",
        C.COMMAND_CANCELLED: "{ident} : retour à la décision automatique",
        C.COMMAND_UNKNOWN_ID: "{ident} : identifiant inconnu pour votre organisation",
        C.COMMAND_UNKNOWN_CALL: "{call} : appel inconnu pour votre organisation",
        C.COMMAND_UNKNOWN_VERDICT: "« {word} » n'est pas une décision connue (complet, incomplet, en retard, "
        "doublon, ignoré, à vérifier, rejeté)",
        C.COMMAND_BAD_DATE: "« {text} » n'est pas une date lisible (écrivez 12/05/2026 12h00 ou 2026-05-12 12:00)",
        C.COMMAND_NOT_UNDERSTOOD: "ligne non comprise (exemples : A17 complet, A17 prolonger 12/05/2026 12h00, "
        "annuler A17)",
        C.COMMAND_NOT_ALLOWED: "{ident} : la décision « {verdict} » ne se donne pas par courriel",
        C.COMMAND_NOT_AFTER_DEADLINE: "le {until} n'est pas après la date limite de l'appel ({deadline})",
        C.COMMAND_NOTHING_TO_CANCEL: "{ident} : aucune décision ni prolongation à annuler",
        C.COMMAND_FAILED: "{ident} : la commande n'a pas pu être appliquée ; l'exploitant a été prévenu par le journal",
        C.COMMAND_NOT_AUTHENTICATED: "{sender} n'est pas authentifié par notre serveur : aucune commande appliquée",
        C.COMMAND_FOREIGN_SENDER: "{sender} n'est pas une adresse de l'organisation : aucune commande appliquée",
    },
    "ar": {
        C.OPERATOR_COMMAND: "أمر موجه إلى inbox-bot من {by}، ردا على الملخص",
        C.COMMAND_VERDICT_SET: "{ident}: تم تسجيل القرار «{verdict}»",
        C.COMMAND_EXTENDED: "{ident}: تم تمديد الأجل إلى {until}",
        C.COMMAND_CALL_EXTENDED: "{call}: تم تمديد أجل الإعلان كله إلى {until}",
        C.COMMAND_CANCELLED: "{ident}: العودة إلى القرار التلقائي",
        C.COMMAND_UNKNOWN_ID: "{ident}: معرف غير معروف لدى مؤسستكم",
        C.COMMAND_UNKNOWN_CALL: "{call}: إعلان غير معروف لدى مؤسستكم",
        C.COMMAND_UNKNOWN_VERDICT: "«{word}» ليس قرارا معروفا (كامل، ناقص، متأخر، مكرر، مهمل، للمراجعة، مرفوض)",
        C.COMMAND_BAD_DATE: "«{text}» ليس تاريخا مقروءا (اكتبوا 12/05/2026 12h00 أو 2026-05-12 12:00)",
        C.COMMAND_NOT_UNDERSTOOD: "سطر غير مفهوم (أمثلة: A17 complet، A17 prolonger 12/05/2026 12h00، annuler A17)",
        C.COMMAND_NOT_ALLOWED: "{ident}: القرار «{verdict}» لا يعطى عبر البريد",
        C.COMMAND_NOT_AFTER_DEADLINE: "{until} ليس بعد الأجل المحدد للإعلان ({deadline})",
        C.COMMAND_NOTHING_TO_CANCEL: "{ident}: لا قرار ولا تمديد لإلغائه",
        C.COMMAND_FAILED: "{ident}: تعذر تطبيق الأمر؛ تم إخبار المسؤول عبر السجل",
        C.COMMAND_NOT_AUTHENTICATED: "{sender} غير موثق من طرف خادمنا: لم يطبق أي أمر",
        C.COMMAND_FOREIGN_SENDER: "{sender} ليس عنوانا للمؤسسة: لم يطبق أي أمر",
    },
    "en": {
        C.OPERATOR_COMMAND: "a command to inbox-bot from {by}, in reply to the digest",
        C.COMMAND_VERDICT_SET: "{ident}: verdict \u201c{verdict}\u201d recorded",
        C.COMMAND_EXTENDED: "{ident}: deadline extended to {until}",
        C.COMMAND_CALL_EXTENDED: "{call}: deadline of the whole call extended to {until}",
        C.COMMAND_CANCELLED: "{ident}: back to the automatic verdict",
        C.COMMAND_UNKNOWN_ID: "{ident}: unknown ID for your organisation",
        C.COMMAND_UNKNOWN_CALL: "{call}: unknown call for your organisation",
        C.COMMAND_UNKNOWN_VERDICT: "\u201c{word}\u201d is no known verdict (complete, incomplete, late, duplicate, "
        "ignored, to review, rejected)",
        C.COMMAND_BAD_DATE: "\u201c{text}\u201d is not a date we can read (write 12/05/2026 12h00 or 2026-05-12 12:00)",
        C.COMMAND_NOT_UNDERSTOOD: "line not understood (e.g. A17 complete, A17 extend 12/05/2026 12h00, cancel A17)",
        C.COMMAND_NOT_ALLOWED: "{ident}: the verdict \u201c{verdict}\u201d is not given by mail",
        C.COMMAND_NOT_AFTER_DEADLINE: "{until} is not after the call's deadline ({deadline})",
        C.COMMAND_NOTHING_TO_CANCEL: "{ident}: no verdict or extension to cancel",
        C.COMMAND_FAILED: "{ident}: the command could not be applied; the operator has it in the log",
        C.COMMAND_NOT_AUTHENTICATED: "{sender} is not authenticated by our server: no command applied",
        C.COMMAND_FOREIGN_SENDER: "{sender} is not one of the organisation's addresses: no command applied",
    },
}
