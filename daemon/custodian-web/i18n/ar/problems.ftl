# ar: the domain's refusals, what the person must change. See common.ftl for the rules.
# ما يرفضه نطاق الجهاز (custodian-core) وما على الشخص تغييره. المتغيرات
# هي القيم التي يسمّيها الرفض؛ ‎$kind‎ هو bulletin أو actor أو incident.

## الحسابات والصلاحيات والإعدادات
account-role-unknown = اختر أحد الأدوار المعروضة.
account-username-taken = اسم المستخدم هذا مأخوذ بالفعل.
account-username-invalid = يتكوّن اسم المستخدم من 2 إلى 63 محرفًا: أحرف لاتينية صغيرة أو أرقام أو نقاط أو شرطات أو شرطات سفلية.
account-confirm-by-another = يجب أن يؤكد هذا مديرٌ غير الذي طلبه.
account-nothing-to-confirm = لا شيء بانتظار التأكيد على هذا الحساب.
account-state-own = لا يمكنك تغيير حالة حسابك بنفسك؛ اطلب ذلك من مدير آخر.
account-not-found = لا يوجد حساب بهذا الاسم.
account-reset-own-password = غيّر كلمة مرورك من صفحة حسابك، لا من هنا.
account-reset-reason = اذكر سببًا لإعادة التعيين (حتى 500 حرف)؛ يُحفظ السبب في سجل النشاط.
account-force-confirm = ضع علامة في المربع لتأكيد أن كل الحسابات الأخرى سيُسجَّل خروجها وأن عليها اختيار كلمة مرور جديدة.
account-unknown-action = إجراء غير معروف.
permissions-own = لا يمكنك تغيير صلاحياتك بنفسك؛ اطلب ذلك من مدير آخر.
settings-notice-too-long = يجب ألا يتجاوز إشعار تسجيل الدخول 1000 حرف.
settings-export-window = يجب أن تكون مدة نافذة تنزيل التصدير بين { $min } و{ $max } دقيقة (أو أن تبقى فارغة لاستخدام القيمة الافتراضية في الإعداد).

## أنواع الأحداث
event-type-title = أعطِ نوع الحدث اسمًا بالعربية أو بالإنجليزية (أو بكلتيهما)، لا يتجاوز كلٌّ منهما 200 حرف.
event-type-description-too-long = يجب ألا يتجاوز الوصف 2000 حرف.
event-type-exists = يوجد بالفعل نوع حدث باسم «{ $title }».
event-type-not-found = نوع الحدث هذا غير موجود أو سبق إيقافه.

## السجلات
record-not-found = { $kind ->
    [actor] لا يوجد هذا الفاعل، أو لا يُسمح لك برؤيته.
    [incident] لا توجد هذه الحادثة، أو لا يُسمح لك برؤيتها.
   *[bulletin] لا توجد هذه النشرة، أو لا يُسمح لك برؤيتها.
}
record-title-missing = { $kind ->
    [actor] يحتاج الفاعل إلى اسم. اكتبه بالعربية أو بالإنجليزية أو بكلتيهما.
    [incident] تحتاج الحادثة إلى عنوان. اكتبه بالعربية أو بالإنجليزية أو بكلتيهما.
   *[bulletin] تحتاج النشرة إلى عنوان. اكتبه بالعربية أو بالإنجليزية أو بكلتيهما.
}
record-restrict-own = { $kind ->
    [actor] لا يمكنك قصر رؤية الفاعل إلا على مجموعات الوصول التي تنتمي إليها.
    [incident] لا يمكنك قصر رؤية الحادثة إلا على مجموعات الوصول التي تنتمي إليها.
   *[bulletin] لا يمكنك قصر رؤية النشرة إلا على مجموعات الوصول التي تنتمي إليها.
}
record-edit-not-now = { $kind ->
    [actor] لا يمكنك تعديل هذا الفاعل الآن: فهو غير مسنَد إليك، أو قيد المراجعة، أو معتمد نهائيًا.
    [incident] لا يمكنك تعديل هذه الحادثة الآن: فهي غير مسنَدة إليك، أو قيد المراجعة، أو معتمدة نهائيًا.
   *[bulletin] لا يمكنك تعديل هذه النشرة الآن: فهي غير مسنَدة إليك، أو قيد المراجعة، أو معتمدة نهائيًا.
}
record-field-choose = { $field ->
    [type] شخص أو كيان
    [sex] الجنس (للأشخاص فقط؛ يجوز تركه فارغًا)
   *[other] { $field }
}: اختر إحدى القيم المدرجة.
record-field-too-long = { $field ->
    [nationality] الجنسية
    [potential_violations] الانتهاكات المحتملة
    [claimed_violations] الانتهاكات المدّعاة
   *[other] { $field }
}: { $max } حرف على الأكثر.

## من يمكنه رؤية السجل
groups-readonly = لا يمكن لحسابات القراءة فقط تغيير من يمكنه رؤية السجل.
groups-remove-not-member = لا يمكنك إزالة مجموعة وصول لست عضوًا فيها؛ اطلب ذلك من أحد المديرين.
groups-restrict-own = لا يمكنك قصر رؤية السجل إلا على مجموعات الوصول التي تنتمي إليها.
groups-open-admin-only = المديرون وحدهم يمكنهم جعل سجل مقيَّد مرئيًا للجميع.
groups-widen-managers-only = المديرون والمشرفون وحدهم يمكنهم منح مجموعات وصول إضافية حق الوصول إلى السجل؛ اطلب ذلك من أحدهم.
groups-widen-own = لا يمكن للمشرفين منح الوصول إلا لمجموعات الوصول التي ينتمون إليها.
groups-keep-own = أبقِ إحدى مجموعات الوصول الخاصة بك على السجل، وإلا فلن تتمكن من رؤيته بعد ذلك.

## سير العمل
workflow-assignee-ineligible = لا يمكن إسناد هذا السجل إلى ذلك الحساب: فهو معطَّل، أو للقراءة فقط، أو خارج مجموعات الوصول الخاصة بالسجل.
workflow-reviewer-ineligible = لا يمكن لذلك الحساب مراجعة هذا السجل: فهو معطَّل، أو للقراءة فقط، أو خارج مجموعات الوصول الخاصة بالسجل.
workflow-readonly = لا يمكن لحسابات القراءة فقط تغيير سير العمل.
workflow-assign-managers-only = المديرون والمشرفون وحدهم يُسندون السجلات.
workflow-self-assign = لا يُسمح لحسابك بإسناد السجلات إلى نفسه.
workflow-submit-assignee-only = وحده من أُسند إليه السجل يرسله للمراجعة.
workflow-reviewer-self = اختر مراجعًا غيرك.
workflow-review-reviewer-only = وحده المراجع المسمّى يراجع هذا السجل.
workflow-finalize-managers-only = المديرون والمشرفون وحدهم يعتمدون السجلات نهائيًا.
workflow-step-impossible = هذه الخطوة غير ممكنة في الحالة الحالية للسجل.

## الروابط بين السجلات: العلاقات والمراجع والأحداث
link-date-format = اكتب التواريخ بالصيغة YYYY-MM-DD.
link-locations-permission = لا يُسمح لحسابك بتعديل المواقع (الصلاحية can_edit_locations)؛ اطلب من أحد المديرين منحها لك.
link-other-finalized = { $kind ->
    [actor] الفاعل { $id } معتمد نهائيًا: لم يعد ممكنًا تغيير علاقاته.
    [incident] الحادثة { $id } معتمدة نهائيًا: لم يعد ممكنًا تغيير علاقاتها.
   *[bulletin] النشرة { $id } معتمدة نهائيًا: لم يعد ممكنًا تغيير علاقاتها.
}
link-edit-not-now = { $kind ->
    [actor] لا يمكنك تغيير هذا الفاعل الآن: فهو غير مسنَد إليك، أو قيد المراجعة، أو معتمد نهائيًا.
    [incident] لا يمكنك تغيير هذه الحادثة الآن: فهي غير مسنَدة إليك، أو قيد المراجعة، أو معتمدة نهائيًا.
   *[bulletin] لا يمكنك تغيير هذه النشرة الآن: فهي غير مسنَدة إليك، أو قيد المراجعة، أو معتمدة نهائيًا.
}
link-relation-choose = اختر علاقة ودرجة يقين من القوائم.
link-relation-self = لا يمكن ربط سجل بنفسه.
link-relation-exists = هذه العلاقة مسجّلة بالفعل.
link-reference-choose = اختر تصنيفًا أو مصدرًا أو موقعًا.
link-reference-not-found = { $what ->
    [label] لا يوجد هذا التصنيف.
    [source] لا يوجد هذا المصدر.
   *[location] لا يوجد هذا الموقع.
}
link-reference-attached = { $what ->
    [label] هذا التصنيف مرفق بالفعل.
    [source] هذا المصدر مرفق بالفعل.
   *[location] هذا الموقع مرفق بالفعل.
}
link-event-dates = هذا التاريخ غير موجود، أو أن الحدث ينتهي قبل أن يبدأ.
link-event-choose = اختر نوع حدث وموقعًا من القوائم.
link-withdraw-reason = اذكر لماذا الرابط خاطئ؛ يبقى السبب محفوظًا معه.
link-withdraw-not-found = { $link ->
    [relation] هذه العلاقة غير موجودة
    [reference] هذا المرجع غير موجود
   *[event] هذا الحدث غير موجود
} في { $kind ->
    [actor] هذا الفاعل
    [incident] هذه الحادثة
   *[bulletin] هذه النشرة
}، أو سبق أن سُحب هذا الرابط.

## التصدير
export-reason = اذكر سبب الحاجة إلى التصدير؛ سيقرؤه من يوافق عليه.
export-too-many = يطابق البحث أكثر من 10,000 نشرة؛ ضيّق نطاق البحث.
export-not-pending = لا يوجد طلب تصدير معلّق بهذا الرقم.
export-decide-own = يجب أن يبتّ مدير آخر في طلب التصدير الخاص بك.
export-not-downloadable = هذا التصدير ليس لك، أو لم تتم الموافقة عليه، أو سبق تنزيله، أو انتهت صلاحيته.

## استيراد البيانات المرجعية: الملف، وكل سطر مرفوض (‎$column‎ اسم عمود
## CSV، و‎$value‎ خلية كما كُتبت)
import-file-too-large = الملف أكبر من { $mib } ميغابايت؛ قسّمه إلى عدة ملفات.
import-file-not-utf8 = الملف ليس نصًا بترميز UTF-8؛ احفظه بصيغة CSV UTF-8.
import-header-unreadable = تعذّرت قراءة السطر الأول: { $error }
import-header-mismatch = يجب أن يكون السطر الأول بالضبط: { $expected } (وهو الآن: { $found }).
import-file-too-many-rows = في الملف أكثر من { $max } سطر؛ قسّمه إلى عدة ملفات.
import-cell-formula = يبدأ { $column } بالرمز { $start }: لا تُقبل صيغ جداول البيانات
import-cell-control = يحتوي { $column } على محارف تحكّم
import-cell-empty = { $column } فارغ
import-cell-too-long = { $column } أطول من { $max } حرف
import-cell-not-a-number = القيمة { $value } في { $column } ليست رقمًا
import-cell-out-of-range = القيمة { $value } في { $column } خارج النطاق من { $min } إلى { $max }
import-url-scheme = يجب أن يبدأ url بـ https:// أو http://
import-country-code = القيمة { $value } في country_code ليست حرفين لاتينيين كبيرين (ISO 3166)
import-row-unreadable = تعذّرت قراءة السطر: { $error }
import-row-fields = { $count ->
    [zero] لا حقول
    [one] حقل واحد
    [two] حقلان
    [few] { $count } حقول
    [many] { $count } حقلًا
   *[other] { $count } حقل
}، والمتوقع { $expected }
import-row-exists = { $title } موجود بالفعل
# سطر رفضه استيراد سُجّل قبل حفظ الأسباب بمفاتيحها.
import-row-stored = { $reason }
# صفوف النشرات
import-record-no-title = لا عنوان بالعربية ولا بالإنجليزية
import-record-status = القيمة { $value } في status ليست حالة من حالات سير العمل
import-record-refused = تعذّر إنشاء النشرة
import-record-create = لا يحق لحسابك إنشاء النشرات.

# الرفع
upload-empty = الملف فارغ.
upload-too-large = الملف أكبر من { $max } بايت، وهو أقصى ما يقبله هذا الجهاز.
upload-not-allowed = هذا النوع من الملفات غير مقبول. المقبول: الصور (JPEG وPNG وGIF وWebP) وPDF والفيديو MP4/WebM والصوت MP3/Ogg/WAV.
upload-not-allowed-found = هذا النوع من الملفات غير مقبول ({ $found }). المقبول: الصور (JPEG وPNG وGIF وWebP) وPDF والفيديو MP4/WebM والصوت MP3/Ogg/WAV.
upload-active-content = يحتوي الملف على ترميز أو نص برمجي (HTML أو SVG أو XML)، ولا يُقبل ذلك أبدًا وسيطًا للأدلة. حوّله (مثلًا اطبع صفحة الويب إلى PDF) وارفع الناتج.
upload-truncated = الملف ناقص أو تالف: لا ينتهي كما يجب أن ينتهي ملف { $format }.
upload-extension-mismatch = اسم الملف يقول ‎.{ $ext }‏، لكن محتواه من نوع { $actual }. أعد تسميته أو ارفع الملف الصحيح.
upload-declared-mismatch = قال متصفحك إن الملف من نوع { $declared }، لكن محتواه من نوع { $actual }.

# مفاتيح المرور
passkey-no-ceremony = انتهت صلاحية الطلب أو استُخدم من قبل. حاول مجددًا.
passkey-invalid = جواب المتصفح غير صالح. حاول مجددًا.
passkey-not-hardware = يتطلب دورك مفتاح أمان ماديًا. لا يُقبل مفتاح مرور يُزامَن مع أجهزة أخرى (هاتف أو مدير كلمات مرور).
passkey-duplicate = هذا المفتاح مسجَّل من قبل.
passkey-none = لا يوجد مفتاح مرور مسجَّل لهذا الحساب.
passkey-bad-name = أعطِ المفتاح اسمًا (من 1 إلى 60 حرفًا).

# كلمات المرور
password-too-short = استخدم { $min } حرفًا على الأقل.
password-empty = اختر كلمة مرور.
password-weak = اختر كلمة مرور أطول أو أصعب توقعًا، مثلًا عدة كلمات لا رابط بينها.
password-weak-keyboard = أنماط لوحة المفاتيح سهلة التخمين. اختر كلمة مرور أطول أو أصعب توقعًا، مثلًا عدة كلمات لا رابط بينها.
password-weak-repeats = تكرار الأحرف أو المجموعات سهل التخمين. اختر كلمة مرور أطول أو أصعب توقعًا، مثلًا عدة كلمات لا رابط بينها.
password-weak-common = هذه كلمة مرور شائعة جدًا. اختر كلمة مرور أطول أو أصعب توقعًا، مثلًا عدة كلمات لا رابط بينها.
password-weak-similar = هذه تشبه كلمة مرور شائعة الاستخدام. اختر كلمة مرور أطول أو أصعب توقعًا، مثلًا عدة كلمات لا رابط بينها.
password-weak-sequence = المتتاليات مثل abc أو 6543 سهلة التخمين. اختر كلمة مرور أطول أو أصعب توقعًا، مثلًا عدة كلمات لا رابط بينها.
password-weak-dates = التواريخ والسنوات سهلة التخمين. اختر كلمة مرور أطول أو أصعب توقعًا، مثلًا عدة كلمات لا رابط بينها.
password-weak-word = الكلمة الواحدة وحدها سهلة التخمين. اختر كلمة مرور أطول أو أصعب توقعًا، مثلًا عدة كلمات لا رابط بينها.
password-weak-names = الأسماء وأسماء العائلات سهلة التخمين. اختر كلمة مرور أطول أو أصعب توقعًا، مثلًا عدة كلمات لا رابط بينها.

## عوامل تصفية القائمة وبحثها: كل رسالة تلي اسم الحقل.
query-control = يحوي محرف تحكم؛ احذفه وحاول مرة أخرى.
query-too-long = طوله { $len } محرفًا؛ والحد الأقصى { $max }. اختصره وحاول مرة أخرى.
query-too-many = أُعطي { $count } مرات؛ والحد الأقصى { $max }.
query-date = ليس تاريخًا؛ اكتبه بالصيغة YYYY-MM-DD، مثل 2024-03-01.
query-reversed = ينتهي قبل أن يبدأ؛ بدّل التاريخين.
query-choice = ليس واحدًا من: { $choices }.
query-position = ليس موضعًا أعطته هذه القائمة؛ ابدأ من جديد من الصفحة الأولى.
query-username = يسمّي حسابًا بطريقة لا يملكها إلا من يحق له رؤية أسماء المستخدمين؛ استخدم me أو nobody أو user-N.
query-record = ليس سجلًا؛ اكتبه بالشكل bulletin/12 أو actor/3 أو incident/7.
query-group = يسمّي مجموعة اطلاع لست عضوًا فيها؛ يمكنك التصفية بمجموعاتك فقط.
search-unclosed-quote = فيه علامة تنصيص لم تُغلق؛ أضف علامة " الختامية أو احذفها.
search-empty-phrase = فيه عبارة فارغة ("")؛ ضع كلمات بين علامتي التنصيص أو احذفهما.
search-dangling-or = فيه OR دون كلمة على كل جانب؛ اكتبها بين كلمتين، مثل: قصف OR غارة.
search-dangling-not = فيه - لا يليها شيء؛ اكتبها ملاصقة للكلمة المراد استبعادها، مثل: ‎-سوق.
search-lone-prefix = فيه * وحدها؛ اكتبها في آخر كلمة لإيجاد الكلمات التي تبدأ بها، مثل: اعتقال*.
search-only-excluded = يستبعد كلمات فقط؛ أضف كلمة واحدة على الأقل للبحث عنها.
search-too-many-terms = فيه { $count } من الكلمات والعبارات؛ والحد الأقصى { $max }. احذف بعضها وحاول مرة أخرى.
search-not-inside-or = لا يمكن استبعاد كلمة داخل OR؛ اكتب ‎-كلمة خارج OR.

# custodian-updated could not be asked (the updates page).
updates-not-configured = التحديثات غير مهيّأة هنا: لا يحوي الملف { $file } الجدول { $table }.
updates-unreachable = تعذّر الوصول إلى custodian-updated؛ هل هو قيد التشغيل؟
updates-exchange = انقطع التواصل مع custodian-updated؛ حاول مرة أخرى.
updates-malformed = أعاد custodian-updated جوابًا تعذّرت قراءته؛ ويذكر سجله السبب.
updates-timeout = لم يُجب custodian-updated خلال دقيقتين؛ ويذكر سجله ما يفعله.
updates-refused-by = رفض custodian-updated: { $reason }
updates-not-copied = تعذّر نسخ خطوات التحديث إلى سجل النشاط؛ ربما تعذّر الوصول إلى قاعدة البيانات.

# Saving a search (issue 14).
saved-search-name = يحتاج البحث المحفوظ إلى اسم لا يتجاوز { $max } حرفًا.
saved-search-group = لا يمكنك مشاركة بحث إلا مع إحدى مجموعات الوصول التي تنتمي إليها، وليست { $group } منها.
saved-search-too-many = تحفظ هنا { $max } من عمليات البحث؛ احذف أولًا ما لم تعد تستخدمه.
saved-search-exists = لديك بحث محفوظ باسم { $name }؛ اختر اسمًا آخر أو احذف ذاك أولًا.
saved-search-not-found = ليس هذا البحث المحفوظ من عمليات بحثك، أو قد حُذف من قبل.

# Background searches (issue 14).
search-background-own = لديك بحث يجري في الخلفية. انتظر إشعاره ثم ابحث من جديد، أو ضيّق هذا البحث (بتصفية أو بمدى تواريخ) لينتهي وأنت تنتظر.
search-background-busy = تجري الآن في الخلفية عمليات بحث كثيرة. ضيّق هذا البحث (بتصفية أو بمدى تواريخ) لينتهي وأنت تنتظر، أو حاول مجددًا بعد دقائق.
search-query-too-long = هذا البحث أطول من أن يُحفظ (لا يتجاوز { $max } حرف حين يُكتب عنوانًا للقائمة)؛ احذف بعض القيم وحاول مرة أخرى.
