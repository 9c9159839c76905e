# ar: the admin pages. Keys grouped by page; see common.ftl for the rules.
# حول اسم المستخدم في جملة لا يعزله ترميزها: علامتا العزل (U+2068 وU+2069)
# حتى لا يقلب اسم لاتيني ترتيب الجملة العربية.

## ما تشترك فيه صفحات الإدارة
admin-save = حفظ

## الحسابات
accounts-role-admin = مدير
accounts-role-moderator = مشرف
accounts-role-analyst = محلل
accounts-role-readonly = قراءة فقط
accounts-state-active = نشط
accounts-state-suspended = موقوف مؤقتًا
accounts-state-disabled = معطّل
accounts-note-locked = مقفل
accounts-note-must-change-password = يجب تغيير كلمة المرور
accounts-note-pending-admin = صلاحيات المدير: بانتظار مدير ثانٍ
accounts-note-pending-password = إعادة تعيين كلمة المرور: بانتظار مدير ثانٍ
accounts-note-pending-second-factor = إعادة تعيين العامل الثاني: بانتظار مدير ثانٍ
accounts-notes-separator = {"، "}
accounts-confirm-admin = تأكيد صلاحيات المدير
accounts-confirm-second-factor-reset = تأكيد إعادة تعيين العامل الثاني
accounts-confirm-password-reset = تأكيد إعادة تعيين كلمة المرور
accounts-actions-for = إجراءات على الحساب {"\u2068"}{ $username }{"\u2069"}
accounts-suspend = إيقاف مؤقت
accounts-disable = تعطيل
accounts-activate = تفعيل
accounts-unlock = فتح القفل
accounts-reset-second-factor = إعادة تعيين العامل الثاني
accounts-force-password-change = فرض تغيير كلمة المرور
accounts-new-role = الدور الجديد
accounts-change-role = تغيير الدور
accounts-reset-reason = سبب إعادة تعيين كلمة المرور (يُحفظ في سجل النشاط)
accounts-reset-password = إعادة تعيين كلمة المرور
accounts-permissions = الصلاحيات
# حول اسم الحساب وكلمة مروره لمرة واحدة.
accounts-created-before = كلمة المرور لمرة واحدة للحساب
accounts-created-middle = هي
accounts-created-after = . سلّمها إلى صاحب الحساب مباشرة؛ فهي لا تُعرض إلا الآن، وعليه أن يغيّرها عند تسجيل دخوله التالي.
accounts-role = الدور
accounts-state = الحالة
accounts-notes = ملاحظات
accounts-actions = الإجراءات
# حول رابط إلى صفحات الحساب.
accounts-own-before = حسابك أنت: غيّر كلمة مرورك وعواملك الثانية من
accounts-own-link = صفحات حسابك
accounts-own-after = ؛ أما حالته فيغيّرها مدير آخر.
accounts-add = إضافة حساب
accounts-add-button = إضافة الحساب
accounts-after-incident = بعد حادث أمني
accounts-force-all-confirm = أفهم أن كل الحسابات عدا حسابي ستُسجَّل خارجة فورًا، وأن على كل منها اختيار كلمة مرور جديدة عند تسجيل دخوله التالي.
accounts-force-all-button = إلزام كل الحسابات الأخرى بتغيير كلمات مرورها

## صلاحيات حساب
# يليه اسم الحساب.
permissions-of = صلاحيات الحساب
permissions-role = الدور: { $role }.
permissions-explicit = عُيّنت له صلاحيات محددة.
permissions-defaults-apply = تسري عليه الصلاحيات الافتراضية لدوره.
permissions-use-defaults = استخدم الصلاحيات الافتراضية للدور (وتجاهل المربعات أدناه)
permissions-flag-view-usernames = عرض أسماء المستخدمين
permissions-flag-view-simple-history = عرض السجل المختصر للتغييرات
permissions-flag-view-full-history = عرض السجل الكامل للتغييرات
permissions-flag-can-self-assign = إسناد السجلات إلى نفسه
permissions-flag-can-edit-locations = تعديل المواقع
permissions-flag-can-export = التصدير
permissions-flag-can-access-media = الوصول إلى الوسائط
permissions-groups = مجموعات الوصول (مفصولة بفواصل)
permissions-saving-ends = الحفظ يُنهي جلسات هذا الحساب، فيسري التغيير فورًا.

## الإعدادات
settings-notice = تنبيه في صفحة تسجيل الدخول (نص عادي، 1000 حرف على الأكثر)
settings-ttl = مدة إتاحة تنزيل ملفات التصدير بالدقائق (من { $min } إلى { $max }؛ اتركه فارغًا لاعتماد القيمة المضبوطة في الإعداد)
settings-configuration = الإعداد
settings-configuration-hint = يُضبط في الملف /etc/custodian/custodiand.toml وفي Vault؛ ولا تُعرض الأسرار هنا أبدًا.
settings-about-version = الإصدار
settings-about-public-origin = العنوان العام
settings-about-runs-as = يعمل بحساب
settings-about-tls = مصدر شهادة TLS
settings-about-tls-pem = ملف PEM (للتطوير فقط)
settings-about-second-factor = العامل الثاني مطلوب للأدوار
settings-about-hardware-key = مفتاح الأمان المادي مطلوب للأدوار
settings-about-schema = إصدار مخطط قاعدة البيانات
settings-about-media-store = مخزن الوسائط
settings-about-vault = Vault
settings-about-postgresql = PostgreSQL

## أنواع الأحداث
event-types-hint = تُعرض عند إضافة حدث إلى سجل. النوع الموقوف لا يُعرض بعد ذلك، وتحتفظ به الأحداث التي تحمله. لا يُحذف شيء.
event-types-title = العنوان
event-types-description = الوصف
event-types-events = الأحداث
event-types-retired = موقوف
event-types-retire = إيقاف
event-types-add-heading = إضافة نوع حدث
event-types-add = إضافة
event-types-name-arabic = الاسم بالعربية
event-types-name-english = الاسم بالإنجليزية

## الحمل
load-connections = اتصالات قاعدة البيانات
load-pool = { $waiting ->
    [zero] { $in_use } قيد الاستخدام من { $max } ({ $open } مفتوحة)، ولا طلبات تنتظر اتصالًا
    [one] { $in_use } قيد الاستخدام من { $max } ({ $open } مفتوحة)، وطلب واحد ينتظر اتصالًا
    [two] { $in_use } قيد الاستخدام من { $max } ({ $open } مفتوحة)، وطلبان ينتظران اتصالًا
    [few] { $in_use } قيد الاستخدام من { $max } ({ $open } مفتوحة)، و{ $waiting } طلبات تنتظر اتصالًا
    [many] { $in_use } قيد الاستخدام من { $max } ({ $open } مفتوحة)، و{ $waiting } طلبًا تنتظر اتصالًا
   *[other] { $in_use } قيد الاستخدام من { $max } ({ $open } مفتوحة)، و{ $waiting } طلب تنتظر اتصالًا
}
load-no-database = لم تُضبط قاعدة بيانات
load-expensive-running = القوائم وعمليات البحث والتصدير والرفع الجارية
load-expensive = { $running } من { $max } على الأكثر ({ $per_account } لكل حساب)
load-turned-away = الطلبات التي أُجيبت بالرمز 503، لكل دقيقة
load-turned-away-hint = لا تُعرض الدقائق التي خلت منها، وتُحفظ ساعة واحدة. رُفضت طلبات { $pool } و{ $account } و{ $expensive } لكي يستمر كل ما عداها في العمل؛ وطالت طلبات { $timeout } أكثر مما تسمح به قاعدة البيانات؛ وتعذّر على طلبات { $unreachable } الوصول إلى PostgreSQL. يكتب سجل النظام سطرًا واحدًا عن كل دقيقة من هذه الدقائق.
load-minute-ending = الدقيقة المنتهية في (UTC)
load-this-minute = هذه الدقيقة حتى الآن
load-since-start = منذ بدء تشغيل custodiand

## مراقبة النشاط
# حول الأمر الذي يتحقق من السجل.
activity-hint-before = كل مدخل مربوط بسلسلة تجزئة بالمدخل الذي قبله، وتُثبَّت نقاط مرجعية منه بتوقيع Vault؛ ويسمّي الأمر
activity-hint-after = أي مدخل غُيّر أو أُزيل.
activity-filter-who = من (يبدأ بـ)
activity-filter-what = ماذا (يبدأ بـ، مثل login. أو export.)
activity-filter-on = على ماذا (يبدأ بـ، مثل bulletin/12)
activity-filter-since = منذ
activity-filter = تصفية
activity-when = متى
activity-who = من
activity-what = ماذا
activity-on = على ماذا
activity-details = التفاصيل
activity-newer = الأحدث
activity-older = الأقدم

## ما يسجله سجل النشاط، بالاسم الذي يحفظه
event-access-denied = رُفض الوصول
event-account-activated = فُعّل الحساب
event-account-confirmation-requested = طُلب تأكيد مدير ثانٍ
event-account-created = أُنشئ حساب
event-account-disabled = عُطّل الحساب
event-account-locked = أُقفل الحساب
event-account-permissions-changed = غُيّرت الصلاحيات
event-account-recovered = استُرد حساب مدير
event-account-recovery-issued = صدر رمز لاسترداد حساب
event-account-role-changed = غُيّر الدور
event-account-suspended = أُوقف الحساب مؤقتًا
event-account-unlocked = فُتح قفل الحساب
event-activity-viewed = عُرض سجل النشاط
event-appliance-degraded = تدهورت حالة الجهاز
event-appliance-recovered = عاد الجهاز إلى حالته الطبيعية
event-audit-pruned = حُذفت مدخلات قديمة من سجل النشاط
event-backup-configured = ضُبط النسخ الاحتياطي
event-backup-drill-failed = فشل تمرين الاستعادة
event-backup-drill-passed = نجح تمرين الاستعادة
event-backup-failed = فشل النسخ الاحتياطي
event-backup-finished = اكتمل النسخ الاحتياطي
event-backup-restore-point = أُنشئت نقطة استعادة
event-backup-restore-point-failed = فشل إنشاء نقطة استعادة
event-backup-started = بدأ النسخ الاحتياطي
event-backup-stale-notified = إخطار المديرين بتقادم النسخ الاحتياطية
event-backup-verified = تُحقّق من النسخة الاحتياطية
event-backup-verify-failed = فشل التحقق من النسخة الاحتياطية
event-daemon-started = بدأ تشغيل custodiand
event-event-type-added = أُضيف نوع حدث
event-event-type-retired = أُوقف نوع حدث
event-export-approved = وُوفق على تصدير
event-export-downloaded = نُزّل تصدير
event-export-expired = انتهت صلاحية تصدير
event-export-rejected = رُفض تصدير
event-export-requested = طُلب تصدير
event-import-failed = فشل استيراد
event-import-finished = اكتمل استيراد
event-import-started = بدأ استيراد
event-login-failed = فشل تسجيل الدخول
event-login-second-factor-failed = فشل التحقق بالعامل الثاني
event-login-second-factor-passed = نجح التحقق بالعامل الثاني
event-login-succeeded = سُجّل الدخول
event-logout = سُجّل الخروج
event-media-downloaded = نُزّلت وسائط
event-media-orphans-removed = حُذفت وسائط غير مرتبطة بأي سجل
event-media-refused = رُفضت وسائط
event-media-uploaded = رُفعت وسائط
event-passkey-added = أُضيف مفتاح مرور
event-passkey-removed = أُزيل مفتاح مرور
event-password-changed = غُيّرت كلمة المرور
event-password-rehashed = جُدّدت تجزئة كلمة المرور
event-password-reset = أُعيد تعيين كلمة المرور
event-password-reset-forced = فُرض تغيير كلمة المرور
event-reauth-failed = فشل تأكيد الهوية
event-reauth-succeeded = نجح تأكيد الهوية
event-recovery-refused = رُفض الاسترداد من وحدة التحكم
event-recovery-code-used = استُخدم رمز استرداد
event-recovery-codes-generated = أُنشئت رموز استرداد
event-schema-migrated = رُحّل مخطط قاعدة البيانات
event-second-factor-reset = أُعيد تعيين العوامل الثانية
event-secret-rotated = بُدّل سرّ
event-session-revoked = أُنهيت جلسة
event-settings-changed = غُيّرت الإعدادات
event-setup-completed = أُعدّ الجهاز
event-setup-refused = رُفض الإعداد
event-totp-enrolled = سُجّل تطبيق مصادقة
event-bulletin-searched = بحث في النشرات
event-bulletin-viewed = عُرضت نشرة
event-bulletin-created = أُنشئت نشرة
event-bulletin-updated = عُدّلت نشرة
event-bulletin-access-changed = غُيّر الوصول إلى نشرة
event-bulletin-workflow = خطوة في سير عمل نشرة
event-bulletin-bulk = تغيير جماعي للنشرات
event-actor-searched = بحث في الفاعلين
event-actor-viewed = عُرض فاعل
event-actor-created = أُنشئ فاعل
event-actor-updated = عُدّل فاعل
event-actor-access-changed = غُيّر الوصول إلى فاعل
event-actor-workflow = خطوة في سير عمل فاعل
event-actor-bulk = تغيير جماعي للفاعلين
event-incident-searched = بحث في الحوادث
event-incident-viewed = عُرضت حادثة
event-incident-created = أُنشئت حادثة
event-incident-updated = عُدّلت حادثة
event-incident-access-changed = غُيّر الوصول إلى حادثة
event-incident-workflow = خطوة في سير عمل حادثة
event-incident-bulk = تغيير جماعي للحوادث
event-bulletin-related = رُبطت نشرة بسجل
event-bulletin-attached = أُلحقت بيانات مرجعية بنشرة
event-bulletin-event-added = أُضيف حدث إلى نشرة
event-bulletin-link-withdrawn = سُحب رابط من نشرة
event-actor-related = رُبط فاعل بسجل
event-actor-attached = أُلحقت بيانات مرجعية بفاعل
event-actor-event-added = أُضيف حدث إلى فاعل
event-actor-link-withdrawn = سُحب رابط من فاعل
event-incident-related = رُبطت حادثة بسجل
event-incident-attached = أُلحقت بيانات مرجعية بحادثة
event-incident-event-added = أُضيف حدث إلى حادثة
event-incident-link-withdrawn = سُحب رابط من حادثة
event-update-check-requested = طُلب البحث عن تحديثات
event-update-apply-requested = طُلب تثبيت تحديث
event-update-check = البحث عن تحديثات
event-update-apply = تثبيت تحديث
event-update-verify = التحقق من تحديث
event-update-policy = فحص سياسة التحديث
event-update-download = تنزيل تحديث
event-update-stage = تجهيز تحديث
event-update-backup = نسخ احتياطي قبل التحديث
event-update-schema = فحص مخطط قاعدة البيانات للتحديث
event-update-migrate = ترحيل قاعدة البيانات للتحديث
event-update-restore = استعادة قاعدة البيانات بعد التحديث
event-update-switch = التبديل إلى الإصدار الجديد
event-update-restart = إعادة التشغيل بعد التحديث
event-update-health = فحص السلامة بعد التحديث
event-update-commit = اكتمل التحديث
event-update-rollback = تراجع عن التحديث
event-update-recover = معالجة تحديث انقطع

## استيراد البيانات المرجعية
import-heading = استيراد البيانات المرجعية
import-intro = ملف CSV (بترميز UTF-8، لا يتجاوز حجمه { $mib } ميبيبايت ولا عدد صفوفه { $rows }) يسمّي سطره الأول الأعمدة. يُفحص كل صف؛ وتُدرج الصفوف المرفوضة مع رقم سطرها وسبب رفضها، ويُضاف الباقي.
import-kind = ما يحتويه الملف
import-kind-labels = التصنيفات
import-kind-sources = المصادر
import-kind-locations = المواقع
import-names = يسمّي كل صف المُدخَل بالعربية ({ $ar }) وبالإنجليزية ({ $en })؛ ويجوز ترك أحدهما فارغًا لا كليهما. ويُقبل كذلك الملف الذي عموده الأول { $old }، المُعَدّ قبل أن تصبح الأسماء بلغتين، وتُعرف لغته من حروفه. ويجوز كتابة الإحداثيات بالأرقام العربية الهندية.
import-file = ملف CSV
import-button = استيراد
# يليه اسم الملف.
import-job = الاستيراد رقم { $id } للملف
# تليه الحالة.
import-progress = الصفوف المفحوصة: { $processed } من { $total } ({ $percent }%). الحالة:
import-status-running = جارٍ
import-status-done = اكتمل
import-status-failed = فشل
import-counts = أُضيف: { $accepted }. لم يُستورد: { $rejected }.
import-rejected-heading = الصفوف التي لم تُستورد
import-line = السطر
import-why = السبب
import-see-labels = عرض التصنيفات
import-see-sources = عرض المصادر
import-see-locations = عرض المواقع
import-another = استيراد ملف آخر
import-choose-kind = اختر ما يحتويه الملف.
import-too-large = حجم الملف أكبر من 5 ميبيبايت؛ قسّمه إلى ملفات أصغر.
import-no-file = لم يُرسَل أي ملف.

## البيانات المرجعية، بأعمدتها
reference-column-title = العنوان
reference-column-title-arabic = الاسم بالعربية
reference-column-title-english = الاسم بالإنجليزية
reference-column-description = الوصف
reference-column-url = الرابط
reference-column-latitude = خط العرض
reference-column-longitude = خط الطول
reference-column-country-code = رمز البلد

## التحديثات
updates-check = البحث عن تحديثات موقّعة
# حول الأمر الذي يشغّل خدمة التحديث.
updates-start-before = شغّلها بالأمر
updates-start-after = ؛ ويذكر سجلها سبب توقفها.
updates-installed = المثبّت
updates-release-dir = مجلد الإصدارات
updates-floor = لا أقدم من
updates-state = الحالة
updates-installing = (جارٍ تثبيت { $version })
updates-refused-here = إصدارات مرفوضة هنا بعد فشل فحص السلامة
updates-none = لا شيء
updates-last-check = آخر بحث
updates-verified = { $when }: تُحقّق من البيانات الوصفية الموقّعة.
updates-version = الإصدار
updates-status = الحالة
updates-installable = يمكن تثبيته
updates-install = تثبيت الإصدار { $version }
updates-refused = رُفض
updates-steps = الخطوات
updates-when = متى
updates-step = الخطوة
updates-outcome = النتيجة
updates-detail = التفصيل
updates-in-activity-log = كل خطوة مسجلة أيضًا في سجل النشاط.
updates-choose-version = اختر إصدارًا من القائمة.

## تغيير كلمة المرور وتأكيد الهوية والخطوة الثانية (ما تقوله المعالجات)
password-problem-wrong-current = كلمة المرور الحالية غير صحيحة.
password-problem-differ = كلمتا المرور الجديدتان مختلفتان.
password-problem-same = اختر كلمة مرور مختلفة عن الحالية.
reauth-wrong-password = هذه ليست كلمة مرورك.
second-step-hardware-required = يتطلب دورك مفتاح الأمان المادي الخاص بك (أو رمز استرداد).
second-step-wrong-code = هذا الرمز غير صحيح أو سبق استخدامه. انتظر الرمز التالي.
totp-enrol-mismatch = لم يتطابق هذا الرمز. امسح الرمز الجديد أدناه وحاول مجددًا.

## النسخ الاحتياطية (/admin/backups)
nav-admin-backups = النسخ الاحتياطية
backups-intro = تُؤخذ النسخ الاحتياطية من وحدة التحكم وبمؤقتاتها؛ تعرض هذه الصفحة ما سجّلته في سجل النشاط، ولا تبدأ أيّ نسخة بنفسها.
backups-not-watched-before = لا شيء يراقب النسخ الاحتياطية: أضف
backups-not-watched-after = إلى إعدادات الجهاز لكي تُفحص، ويُشار إلى تقادمها، ويُبلَّغ المسؤولون بذلك.
backups-last-backup = آخر نسخة احتياطية ناجحة
backups-no-backup = لا توجد نسخة احتياطية بعد.
backups-remote = المستودع البعيد (مع آخر نسخة)
backups-remote-copied = نُسخت إليه أيضًا
backups-remote-failed = لم تُنسخ إليه: حُفظت النسخة المحلية، وأخفقت النسخة البعيدة.
backups-escrow = حفظ المفاتيح (مع آخر نسخة احتياطية)
backups-escrow-not-recorded = لم تتحقق منه تلك النسخة.
backups-escrow-covers = يحوي كل إصدارات المفاتيح المستخدمة
backups-escrow-lacks = تنقصه مفاتيح دُوّرت بعد ختمه: لن تتمكن استعادة على خزنة مفاتيح جديدة من قراءة ما شُفّر بها.
backups-escrow-version = الإصدار { $version }
backups-escrow-reseal = يعيد فريق الأمن ختمه برمز مشغّل:
backups-escrow-unchecked = تعذّر التحقق منه: راجع سجل النسخة الاحتياطية.
backups-last-drill = آخر استعادة جرى التحقق منها (تمرين)
backups-no-drill = لم يُتحقق من أي استعادة بعد.
backups-last-verify = آخر فحص للمستودع
backups-no-verify = لم يجرِ قط.
backups-type-full = كاملة
backups-type-diff = تفاضلية
backups-type-incr = تزايدية
backups-current = حديثة (عمرها { $limit } ساعة على الأكثر)
backups-stale = متقادمة: كانت آخرها قبل { $hours } ساعة، أي أكثر من { $limit } ساعة
backups-missing = غير موجودة
backups-failures = آخر الإخفاقات
backups-no-failures = لم يُسجَّل أي إخفاق.
backups-when = متى
backups-what = ماذا
backups-error = الخطأ
backups-at-the-console = في وحدة التحكم
backups-console-hint = بصلاحيات الجذر على الجهاز؛ تُطبع كل خطوة وتُسجَّل في سجل النشاط.
backups-command-now = خذ نسخة احتياطية الآن (مع تحديد النوع: كاملة أو تفاضلية أو تزايدية).
backups-command-list = اعرض النسخ الاحتياطية ومدى سجلات الكتابة المسبقة التي تبلغه ولقطات الملفات.
backups-command-verify = افحص المستودع: المجاميع الاختبارية لكل نسخة، وقراءة جزء من الملفات مجددًا.
backups-command-drill = استعد أحدث نسخة احتياطية إلى نسخ مؤقتة وافحصها.
