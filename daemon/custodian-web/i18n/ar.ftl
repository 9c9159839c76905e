# واجهة Custodian بالعربية. المفاتيح هي نفسها في كل فهرس، وبالمتغيرات
# نفسها (يتحقق من ذلك اختبار الفهارس).

## إطار كل صفحة
skip-to-content = انتقل إلى محتوى الصفحة
sign-out = تسجيل الخروج
footer = Custodian: جهاز حفظ الأدلة
crumb-home = الرئيسية
landmark-site = الموقع
landmark-breadcrumb = مسار التنقل

## الأدوار
role-admin = مدير
role-moderator = مشرف
role-analyst = محلل
role-readonly = قراءة فقط

## التنقل
nav-records = السجلات
nav-bulletins = النشرات
nav-actors = الفاعلون
nav-incidents = الحوادث
nav-reference = البيانات المرجعية
nav-labels = التصنيفات
nav-sources = المصادر
nav-locations = المواقع
nav-work = العمل
nav-exports = التصدير
nav-notifications = الإشعارات
nav-notifications-new = { $count ->
    [zero] الإشعارات
    [one] الإشعارات (إشعار جديد)
    [two] الإشعارات (إشعاران جديدان)
    [few] الإشعارات ({ $count } إشعارات جديدة)
    [many] الإشعارات ({ $count } إشعارًا جديدًا)
   *[other] الإشعارات ({ $count } إشعار جديد)
}
nav-account = حسابك
nav-administration = الإدارة
nav-admin-accounts = الحسابات
nav-admin-sessions = كل الجلسات
nav-admin-activity = سجل النشاط
nav-admin-load = الحمل
nav-admin-settings = الإعدادات
nav-admin-event-types = أنواع الأحداث
nav-admin-updates = التحديثات
nav-admin-import = الاستيراد

## الصفحة الرئيسية العامة
home-title = أهلًا بك
home-about = يحفظ هذا الجهاز توثيق انتهاكات حقوق الإنسان: النشرات والفاعلين والحوادث والوسائط التي تدعمها، مع سجل بمن فعل ماذا ومتى.
home-before = قبل تسجيل الدخول
home-accounts = ينشئ مديرو الجهاز الحسابات. لا يوجد تسجيل ذاتي ولا استعادة لكلمة المرور بالبريد الإلكتروني: إذا أُغلق حسابك فتواصل مع أحد المديرين شخصيًا.
home-address = تأكد أن شريط العنوان يعرض اسم هذا الجهاز وشهادة صالحة. لا يطلب الجهاز كلمة مرورك في أي مكان آخر.
home-log = يُكتب كل تسجيل دخول وكل تغيير في سجل نشاط يكشف أي تلاعب.
home-does-not = ما لا يفعله هذا الجهاز
home-no-third-party-content = لا يحمّل نصوصًا برمجية أو خطوطًا أو صورًا من مواقع أخرى، ولا يضع ملفات تعريف ارتباط للتتبع.
home-no-sharing = لا يشارك البيانات مع أطراف ثالثة.
home-wrong = إذا بدا شيء غير طبيعي
home-wrong-text = تسجيل دخول لم تقم به، أو تحذير بشأن الشهادة، أو صفحة تطلب أكثر من بيانات دخولك: توقف، ولا تُدخل شيئًا، وأخبر أحد المديرين.

## تسجيل الدخول
sign-in = تسجيل الدخول
username = اسم المستخدم
password = كلمة المرور
forgot-password = نسيت كلمة المرور؟ اطلب المساعدة من أحد مديري هذا الجهاز شخصيًا.
second-factor = العامل الثاني
use-passkey = استخدم مفتاح المرور
totp-or-recovery = رمز تطبيق المصادقة أو رمز الاسترداد
totp-hint = أو أدخل الرمز المكوّن من ستة أرقام الذي يعرضه تطبيق المصادقة لـ Custodian.
recovery-code = رمز الاسترداد
recovery-hint = فقدت مفتاحك؟ أدخل أحد رموز الاسترداد.
continue = متابعة
