# ar: the records pages. Keys grouped by page; see common.ftl for the rules.
# صفحات السجلات. عناوين القوائم والصفحات من كلمات التنقل في common.ftl.

## نوع السجل، وحده ومع رقمه
bulletin-one = نشرة
actor-one = فاعل
incident-one = حادثة
bulletin-noun = نشرة
actor-noun = فاعل
incident-noun = حادثة
bulletin-numbered = النشرة { $id }
actor-numbered = الفاعل { $id }
incident-numbered = الحادثة { $id }
bulletin-new = نشرة جديدة
actor-new = فاعل جديد
incident-new = حادثة جديدة
bulletin-edit = تعديل النشرة { $id }
actor-edit = تعديل الفاعل { $id }
incident-edit = تعديل الحادثة { $id }
bulletin-select = تحديد النشرة { $id }
actor-select = تحديد الفاعل { $id }
incident-select = تحديد الحادثة { $id }
bulletin-history = سجل تغييرات النشرة { $id }
actor-history = سجل تغييرات الفاعل { $id }
incident-history = سجل تغييرات الحادثة { $id }
bulletin-back = العودة إلى النشرات
actor-back = العودة إلى الفاعلين
incident-back = العودة إلى الحوادث

## قائمة السجلات
# $count: العدد (لصيغ الجمع)؛ $shown: العدد نفسه مفصولة آلافه؛ $sort: اسم الترتيب.
bulletin-none-match = لا توجد نشرات مطابقة.
actor-none-match = لا يوجد فاعلون مطابقون.
incident-none-match = لا توجد حوادث مطابقة.
bulletin-count = { $count ->
    [zero] لا توجد نشرات
    [one] نشرة واحدة
    [two] نشرتان
    [few] { $shown } نشرات
    [many] { $shown } نشرة
   *[other] { $shown } نشرة
}؛ الترتيب حسب { $sort }.
actor-count = { $count ->
    [zero] لا يوجد فاعلون
    [one] فاعل واحد
    [two] فاعلان
    [few] { $shown } فاعلين
    [many] { $shown } فاعلًا
   *[other] { $shown } فاعل
}؛ الترتيب حسب { $sort }.
incident-count = { $count ->
    [zero] لا توجد حوادث
    [one] حادثة واحدة
    [two] حادثتان
    [few] { $shown } حوادث
    [many] { $shown } حادثة
   *[other] { $shown } حادثة
}؛ الترتيب حسب { $sort }.
bulletin-count-more = أكثر من { $shown } نشرة؛ الترتيب حسب { $sort }.
actor-count-more = أكثر من { $shown } فاعل؛ الترتيب حسب { $sort }.
incident-count-more = أكثر من { $shown } حادثة؛ الترتيب حسب { $sort }.
records-search-titles = البحث في العناوين والأوصاف
records-search-names = البحث في الأسماء والأوصاف
records-search = بحث
records-search-hint = يجب أن تطابق كل الكلمات؛ { $phrase } للبحث عن عبارة بعينها، و{ $prefix } للكلمات التي تبدأ بها، و{ $either } لإحداهما، و{ $not } لاستبعاد كلمة.
records-search-example-phrase = "عبارة كاملة"
records-search-example-prefix = كلمة*
records-search-example-either = أ OR ب
records-search-example-not = -كلمة
records-any-status = أي حالة
records-sort-by = الترتيب حسب
records-rank-too-many = السجلات المطابقة أكثر من أن تُرتَّب كلها؛ ضيّق البحث لترتيبها حسب الصلة.
records-first-page = الصفحة الأولى
records-previous-page = الصفحة السابقة
records-next-page = الصفحة التالية
records-updated-utc = آخر تحديث (بالتوقيت العالمي UTC)
records-bulk-with = للسجلات المحددة
records-bulk-assign = إسناد إلى
records-bulk-finalize = اعتماد نهائي (لما تمت مراجعته)
records-person = الشخص
records-apply = تطبيق

## عوامل تصفية القائمة
filters-more = مزيد من عوامل التصفية
filter-person-hint = { $me } أو { $nobody } أو { $user } أو اسم مستخدم
filter-created-from = تاريخ الإنشاء من
filter-created-to = تاريخ الإنشاء حتى
filter-updated-from = تاريخ التغيير من
filter-updated-to = تاريخ التغيير حتى
filter-exact-title = عنوانه كما هو تمامًا
filter-event-from = تاريخ الحدث من
filter-event-to = تاريخ الحدث حتى
filter-related = مرتبط بالسجل
filter-related-hint = مثلًا { $example }
filter-group = مجموعة الوصول

## طرق ترتيب القائمة
sort-relevance = الصلة
sort-updated = آخر تغيير
sort-created = تاريخ الإنشاء
sort-id = الرقم

## حالات سير العمل
status-unassigned = غير مُسنَد
status-assigned = مُسنَد
status-peer-review = قيد مراجعة الأقران
status-revisit = لإعادة النظر
status-reviewed = تمت مراجعته
status-finalized = نهائي

## خطوات سير العمل: الأزرار، وأسماؤها في سجل التغييرات أو التغيير الجماعي
step-assign = إسناد
step-self-assign = إسناد إليّ
step-submit = إرسال للمراجعة
step-accept = قبول المراجعة
step-send-back = إرجاع لإعادة النظر
step-finalize = اعتماد نهائي
step-name-assign = إسناد
step-name-self-assign = إسناد ذاتي
step-name-submit = إرسال للمراجعة
step-name-accept = قبول المراجعة
step-name-send-back = إرجاع لإعادة النظر
step-name-finalize = اعتماد نهائي

## الحساب كما يُعرض للقارئ
person-you = أنت
person-nobody = لا أحد

## كلمات السجل في نموذجه وصفحته
records-title = العنوان
records-name = الاسم
records-status = الحالة
records-assigned-to = مُسنَد إلى
records-reviewer = المراجِع
records-visible-to = نطاق الاطلاع
records-everyone = الجميع
records-revision = النسخة
records-description-hint = تُحفظ الفقرات والتوكيد والقوائم والاقتباسات والشيفرة البرمجية والروابط، ويُحذف كل ما عدا ذلك.
records-groups = حصر الاطلاع في مجموعات وصول (مفصولة بفواصل؛ فارغ: الجميع)
records-save = حفظ
records-edit = تعديل
records-history = سجل التغييرات
records-workflow = سير العمل
records-person-for = الشخص المعني بـ«{ $step }»
records-when-by = { $when } بواسطة { $by }
records-label = التصنيف
records-source = المصدر
records-location = الموقع
records-event-type = نوع الحدث

## الحقول الخاصة بالفاعلين والحوادث، وخياراتها
field-type = شخص أم جهة
field-sex = الجنس (للأشخاص فقط؛ يجوز تركه فارغًا)
field-nationality = الجنسية
field-potential-violations = الانتهاكات المحتملة
field-claimed-violations = الانتهاكات المُدّعاة
choice-person = شخص
choice-entity = جهة
choice-female = أنثى
choice-male = ذكر
choice-other = آخر

## ملفات النشرة
files-heading = الملفات
files-none = لا توجد ملفات بعد.
files-file = الملف
files-type = النوع
files-size = الحجم
files-added = أُضيف
files-bytes = { $size } بايت
files-add = أضف ملفًا (صور أو PDF أو فيديو أو صوت؛ يتحقق الجهاز من نوعه الحقيقي)
files-upload = رفع
files-only-editable = لا يمكنك إضافة ملفات إلا إلى نشرة يحق لك تعديلها الآن.
files-none-sent = لم يُرسَل أي ملف. اختر ملفًا وحاول مجددًا.

## السجلات المرتبطة والتصنيفات والمصادر والمواقع والأحداث
# كلمات العلاقة تُقرأ من سجل إلى آخر؛ $kind هو السجل الذي تصفه الكلمات
# (bulletin أو actor أو incident) لتطابقه في التذكير والتأنيث.
bulletin-relation-out = هذه النشرة { $words } { $other }
actor-relation-out = هذا الفاعل { $words } { $other }
incident-relation-out = هذه الحادثة { $words } { $other }
bulletin-relation-in = { $other } { $words } هذه النشرة
actor-relation-in = { $other } { $words } هذا الفاعل
incident-relation-in = { $other } { $words } هذه الحادثة
bulletin-relation-this = هذه النشرة
actor-relation-this = هذا الفاعل
incident-relation-this = هذه الحادثة
relation-related = على صلة بـ
relation-duplicate = نسخة مكررة من
relation-same-event = { $kind ->
    [actor] هو الحدث ذاته المذكور في
   *[other] هي الحدث ذاته المذكور في
}
relation-appears-in = { $kind ->
    [actor] يظهر في
   *[other] تظهر في
}
relation-victim = ضحية في
relation-witness = { $kind ->
    [actor] شاهد على
   *[other] شاهدة على
}
relation-perpetrator = { $kind ->
    [actor] مرتكِب في
   *[other] مرتكِبة في
}
relation-member-of = عضو في
relation-family = من عائلة
relation-part-of = جزء من
relation-type-related = صلة
relation-type-duplicate = تكرار
relation-type-same-event = الحدث ذاته
relation-type-appears-in = ظهور
relation-type-victim = ضحية
relation-type-witness = شاهد
relation-type-perpetrator = مرتكِب
relation-type-member-of = عضوية
relation-type-family = قرابة
relation-type-part-of = جزء
certainty-unverified = غير متحقَّق منها
certainty-probable = مرجَّحة
certainty-confirmed = مؤكَّدة
links-related = السجلات المرتبطة
links-none = لا شيء بعد.
links-references = التصنيفات والمصادر والمواقع
links-events = الأحداث
links-event = الحدث
links-where = المكان
links-from = من
links-to = إلى
links-note = ملاحظة
links-withdrawn = سُحب في { $when } بواسطة { $by }: { $reason }
links-withdraw = سحب
links-why-wrong = لماذا هو خاطئ؟
links-add-relation = إضافة علاقة
links-record = السجل
links-its-number = رقمه
links-certainty = درجة اليقين
links-add-relation-button = أضف العلاقة
links-add-event = إضافة حدث
links-from-date = من (بصيغة { $format })
links-to-date = إلى (بصيغة { $format })
links-add-event-button = أضف الحدث
reference-label = تصنيف
reference-source = مصدر
reference-location = موقع
links-attach-label = إرفاق تصنيف
links-attach-source = إرفاق مصدر
links-attach-location = إرفاق موقع

## سجل تغييرات السجل
history-when = الوقت
history-who = مَن
history-change = التغيير
history-created = أُنشئ
history-edited = عُدّل
history-regrouped = عُدّل؛ مجموعات الوصول: { $before } ← { $after }
history-attached = إرفاق { $what } رقم { $id }
history-event-added = إضافة حدث من النوع رقم { $id }
history-step = { $step }
history-withdrawn = سحب { $link } رقم { $id }: { $reason }
history-withdrawn-back = سحب { $link } رقم { $id } من { $kind } رقم { $from_id }: { $reason }
history-relation-added = إضافة علاقة ({ $relation }) مع { $kind } رقم { $id }
history-relation-added-back = إضافة علاقة ({ $relation }) من { $kind } رقم { $id } إلى هذا السجل
history-link-relation = علاقة
history-link-reference = مرجع
history-link-event = حدث

## التغيير الجماعي
bulk-title = تغيير جماعي
bulk-heading = تغيير جماعي: { $step }
bulk-done = نُفّذ: { $done }. رُفض: { $refused }.
bulk-outcome = النتيجة
bulk-now = الحالة الآن: { $status }
bulk-select-between = { $max ->
    [many] حدّد ما بين سجل واحد و{ $max } سجلًا.
   *[other] حدّد ما بين سجل واحد و{ $max } سجل.
}

## التصدير
exports-asked-by = مقدّم الطلب
exports-format = الصيغة
exports-items = العناصر
exports-why = السبب
exports-asked = تاريخ الطلب
exports-expires = تنتهي صلاحيته
exports-approve = موافقة
exports-reject = رفض
exports-download = تنزيل (مرة واحدة)
exports-ask = طلب تصدير
exports-hint = يُنشأ الملف الآن مما يحق لك الاطلاع عليه، ويُتاح حين يوافق عليه مدير آخر. يمكنك تنزيله مرة واحدة فقط.
exports-matching = النشرات التي تطابق
exports-why-needed = لماذا تحتاج إليه؟
exports-ask-button = اطلب التصدير
export-status-requested = بانتظار القرار
export-status-approved = تمت الموافقة
export-status-rejected = مرفوض
export-status-downloaded = تم التنزيل
export-status-expired = انتهت صلاحيته

## البحث الفوري في المنتقيات
pickers-what-unknown = ليس واحدًا من: label، source، location، event_type، person، bulletin، actor، incident.

## لغتا السجل
records-title-arabic = العنوان بالعربية
records-title-english = العنوان بالإنجليزية
records-name-arabic = الاسم بالعربية
records-name-english = الاسم بالإنجليزية
records-title-either = اكتب العنوان بالعربية أو بالإنجليزية أو بكلتيهما.
records-name-either = اكتب الاسم بالعربية أو بالإنجليزية أو بكلتيهما.
records-description-arabic = الوصف بالعربية
records-description-english = الوصف بالإنجليزية
records-in-arabic = بالعربية
records-in-english = بالإنجليزية

## استيراد النشرات
import-bulletins-heading = استيراد النشرات
import-bulletins-intro = ملف CSV بصيغة ملف التصدير CSV (بترميز UTF-8، مع علامة ترتيب البايتات أو بدونها؛ لا يتجاوز حجمه { $mib } ميبيبايت ولا عدد صفوفه { $rows }). يجب أن يكون سطره الأول بالضبط:
import-bulletins-imported = يُستورد: العنوان والوصف بالعربية وبالإنجليزية ({ $columns }). ويحتاج كل صف إلى عنوان بإحدى اللغتين على الأقل.
import-bulletins-status = يُفحص ولا يُحفظ: { $column }. فالحالة التي لا يعرفها سير العمل تؤدي إلى رفض صفّها، وتبدأ كل نشرة مستوردة غير مُسندة، كالنشرة التي تُنشأ من الصفحة.
import-bulletins-ignored = يُتجاهل: { $columns }؛ فهذا الجهاز يرقّم سجلاته ويؤرّخها بنفسه.
import-bulletins-formulas = الخلية التي تبدأ بـ = أو + أو - أو @ صيغةُ جداول بيانات، فيُرفض صفّها. أما الفاصلة العليا التي يضعها التصدير قبل مثل هذا النص فتُحذف.
import-bulletins-created = تُنشأ كل نشرة باسمك كما تُنشأ من الصفحة: المراجعة 1 في سجلّها وقيد في سجل النشاط. وتُدرج الصفوف المرفوضة مع رقم سطرها وسبب رفضها، ويُضاف الباقي.
import-bulletins-see = عرض النشرات

# Saved searches on the lists (issue 14).
saved-searches = عمليات البحث المحفوظة:
saved-shared-with = تمت مشاركته مع
saved-delete = حذف
saved-save-heading = احفظ هذا البحث
saved-name = الاسم
saved-share = شاركه مع
saved-private = لا أحد غيرك
saved-save = احفظ

# Finding reference data by name on a record's page (no script needed).
links-find-label = ابحث عن تصنيف باسمه
links-find-source = ابحث عن مصدر باسمه
links-find-location = ابحث عن موقع باسمه
links-find = ابحث
links-none-found = لا شيء بهذا الاسم؛ جرّب أحرفًا أقل.

# Background searches (issue 14).
search-moved-title = يتواصل البحث في الخلفية
search-moved-text = يستغرق هذا البحث وقتًا أطول مما يمكن للصفحة انتظاره، لذا يتواصل في الخلفية. سيخبرك إشعار حين تجهز نتائجه، وتعرضها صفحته عندئذ.
search-moved-link = تابع البحث { $id }
search-job-title = بحث في الخلفية { $id }
search-job-started = بدأ
search-job-kept = محفوظ حتى
search-job-running = ما زال البحث جاريًا؛ تُحدَّث هذه الصفحة تلقائيًا حتى تجهز النتائج.
search-job-failed = أخفق هذا البحث: تجاوز الوقت الذي يسمح به الجهاز حتى في الخلفية. ضيّقه (بتصفية أو بمدى تواريخ) ثم ابحث من جديد.
search-job-done = { $capped ->
        [yes] أول { $shown } نتيجة (كانت هناك نتائج أكثر؛ ضيّق البحث لترى البقية)، معروضة كما يحق لك الاطلاع عليها الآن.
       *[no] { $count ->
            [zero] لا نتائج.
            [one] نتيجة واحدة، معروضة كما يحق لك الاطلاع عليها الآن.
            [two] نتيجتان، معروضتان كما يحق لك الاطلاع عليهما الآن.
            [few] { $shown } نتائج، معروضة كما يحق لك الاطلاع عليها الآن.
           *[other] { $shown } نتيجة، معروضة كما يحق لك الاطلاع عليها الآن.
        }
    }
search-job-hidden = { $count ->
        [one] لم تعد إحدى نتائج هذه الصفحة ظاهرة لك، فلا تُعرض.
       *[other] لم تعد { $count } من نتائج هذه الصفحة ظاهرة لك، فلا تُعرض.
    }
search-job-page = الصفحة { $page } من { $pages }
search-job-again = افتح القائمة بهذا البحث
