# ar: the account pages. Keys grouped by page; see common.ftl for the rules.

## صفحات الحساب
crumb-account = حسابك

## اللغة والمنطقة الزمنية
preferences-title = اللغة والمنطقة الزمنية
preferences-saved = حُفظ. صفحاتك تتبع الآن هذه الاختيارات.
preferences-language = لغة الواجهة
preferences-language-browser = لغة المتصفح
preferences-time-zone = المنطقة الزمنية
preferences-time-zone-hint = تُعرض الأوقات في صفحاتك بتوقيت هذه المنطقة، ويظهر التوقيت العالمي المنسق عند الإشارة إليها. تحفظ السجلات كل وقت بالتوقيت العالمي المنسق.
preferences-save = حفظ
preferences-unknown-language = اختر إحدى اللغات المعروضة.
preferences-unknown-time-zone = اختر إحدى المناطق الزمنية المعروضة.

## مفاتيح المرور ومفاتيح الأمان
passkeys-title = مفاتيح المرور
passkeys-heading = مفاتيح المرور ومفاتيح الأمان
passkeys-hardware-required = يتطلب دورك مفتاح أمان مادّيًا (لا يمكن نسخه من الجهاز). سجّل واحدًا قبل أن تتابع.
passkeys-second-factor-required = يحتاج حسابك إلى عامل ثانٍ. سجّل هنا مفتاح مرور أو مفتاح أمان، أو
passkeys-or-totp = اضبط تطبيق مصادقة
passkeys-none = لا توجد مفاتيح مرور بعد.
passkeys-name = الاسم
passkeys-kind = النوع
passkeys-added = أُضيف
passkeys-last-used = آخر استخدام
passkeys-hardware = مفتاح مادّي
passkeys-synced = مفتاح مرور متزامن
passkeys-never = لم يُستخدم قط
passkeys-remove = إزالة
passkeys-add = أضف مفتاحًا
passkeys-add-hint = سمّه باسم الجهاز، لتميّز مفاتيحك بعضها من بعض لاحقًا.
passkeys-register = سجّل مفتاح مرور
passkeys-needs-script = يحتاج تسجيل مفتاح المرور إلى جافاسكربت؛ وكل ما عداه يعمل من دونها.

## إشعارات الأمان
notifications-heading = إشعارات الأمان
notifications-none = لا شيء للإبلاغ عنه.
notifications-mark-read = علّم الكل كمقروء

## تطبيق المصادقة
totp-title = تطبيق المصادقة
totp-heading = اضبط تطبيق مصادقة
totp-explain = يحتاج حسابك إلى عامل ثانٍ. امسح هذا الرمز بتطبيق مصادقة، أو اكتب فيه المفتاح أدناه، ثم أدخل الرمز المكوّن من ستة أرقام الذي يعرضه.
totp-key = المفتاح:
totp-code = الرمز من التطبيق
totp-confirm = تأكيد

## رموز الاسترداد
recovery-title = رموز الاسترداد
recovery-fresh = رموز الاسترداد الجديدة. اكتبها أو اطبعها واحفظها في مكان آمن: كل رمز يعمل مرة واحدة، ولا تُعرض إلا الآن.
recovery-remaining = { $count ->
    [zero] إذا فقدت تطبيق المصادقة، يُدخلك رمز الاسترداد مرة واحدة. لم يبقَ لديك أي رمز غير مستخدم.
    [one] إذا فقدت تطبيق المصادقة، يُدخلك رمز الاسترداد مرة واحدة. لديك رمز واحد غير مستخدم.
    [two] إذا فقدت تطبيق المصادقة، يُدخلك رمز الاسترداد مرة واحدة. لديك رمزان غير مستخدمين.
    [few] إذا فقدت تطبيق المصادقة، يُدخلك رمز الاسترداد مرة واحدة. لديك { $count } رموز غير مستخدمة.
   *[other] إذا فقدت تطبيق المصادقة، يُدخلك رمز الاسترداد مرة واحدة. لديك { $count } رمزًا غير مستخدم.
}
recovery-generate = أنشئ رموزًا جديدة
recovery-replace = تحل الرموز الجديدة محل كل الرموز القديمة.

## الجلسات
sessions-account = الحساب
sessions-signed-in = تسجيل الدخول
sessions-last-seen = آخر ظهور
sessions-from = من
sessions-browser = المتصفح
sessions-this = هذه الجلسة
sessions-end = إنهاء
