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
passkeys-busy = الجهاز مشغول. حاول مجددًا بعد قليل.
passkeys-no-such-key = لا يوجد مفتاح كهذا في حسابك.
passkeys-need-host-name = تحتاج مفاتيح المرور إلى الوصول إلى الجهاز باسم مضيف؛ اسأل المدير.

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

## ما تقوله الإشعارات (تُحفظ بمفتاحها وتُصاغ عند قراءتها بلغة القارئ)
notice-new-device = تسجيل دخول جديد من { $peer } باستخدام { $browser }. إن لم يكن هذا أنت، فغيّر كلمة مرورك وأخبر أحد المديرين.
notice-new-device-unnamed = تسجيل دخول جديد من { $peer } بمتصفح غير مُسمّى. إن لم يكن هذا أنت، فغيّر كلمة مرورك وأخبر أحد المديرين.
notice-totp-enrolled = أُعدّ تطبيق مصادقة لحسابك. إن لم يكن هذا أنت، فأخبر أحد المديرين الآن.
notice-recovery-codes = أُنشئت رموز استرداد جديدة لحسابك؛ ولم تعد الرموز القديمة صالحة.
notice-passkey-added = أُضيف إلى حسابك مفتاح مرور باسم «{ $name }». إن لم يكن هذا أنت، فأخبر أحد المديرين الآن.
notice-passkey-removed = أُزيل من حسابك مفتاح المرور المسمّى «{ $name }».
notice-admin-passkey-added = المدير { $account }: أضاف مفتاح مرور «{ $name }».
notice-admin-passkey-removed = المدير { $account }: أزال مفتاح المرور «{ $name }».
notice-locked-guesses = قُفل الحساب { $account } لمدة { $minutes ->
        [one] دقيقة واحدة
        [two] دقيقتين
        [few] { $minutes } دقائق
       *[other] { $minutes } دقيقة
    } بعد { $attempts ->
        [one] محاولة خاطئة واحدة
        [two] محاولتين خاطئتين
        [few] { $attempts } محاولات خاطئة
       *[other] { $attempts } محاولة خاطئة
    } في { $step ->
        [current-password] كلمة المرور الحالية
        [step-up] تأكيد الهوية
        [recovery-code] رمز الاسترداد
        [authenticator-code] رمز تطبيق المصادقة
        [passkey] مفتاح المرور
        [passkey-step-up] تأكيد الهوية بمفتاح المرور
       *[other] { $step }
    } (آخرها من { $peer }). إن لم يكن صاحبه من حاول، فهناك من يعرف كلمة المرور: غيّرها.
notice-locked-sign-ins = قُفل الحساب { $account } لمدة { $minutes ->
        [one] دقيقة واحدة
        [two] دقيقتين
        [few] { $minutes } دقائق
       *[other] { $minutes } دقيقة
    } بعد { $attempts ->
        [one] محاولة دخول فاشلة واحدة
        [two] محاولتَي دخول فاشلتين
        [few] { $attempts } محاولات دخول فاشلة
       *[other] { $attempts } محاولة دخول فاشلة
    } (آخرها من { $peer }).
notice-confirmation-requested = طلب { $by } { $change ->
        [grant-admin] صلاحيات المدير
        [reset-second-factor] إعادة تعيين عوامل التحقق الثانية
        [reset-password] إعادة تعيين كلمة المرور
       *[other] { $change }
    } للحساب { $account }. لا يتغير شيء حتى يؤكده مدير آخر في صفحة الحسابات؛ إن لم تتوقع هذا، فأوقف الحسابين كليهما.
notice-account-suspended = أوقف { $by } حسابك.
notice-account-disabled = عطّل { $by } حسابك.
notice-account-activated = فعّل { $by } حسابك.
notice-account-unlocked = فتح { $by } قفل حسابك.
notice-second-factors-reset = أعاد { $by } تعيين عوامل التحقق الثانية لحسابك (تطبيق المصادقة ومفاتيح المرور ورموز الاسترداد).
notice-admins-second-factors-reset = الحساب { $account }: أعاد { $by } تعيين عوامل التحقق الثانية (تطبيق المصادقة ومفاتيح المرور ورموز الاسترداد).
notice-role-changed = غيّر { $by } دورك إلى { $role ->
        [admin] مدير
        [moderator] مشرف
        [analyst] محلل
        [readonly] قراءة فقط
       *[other] { $role }
    }.
notice-admins-role-changed = الحساب { $account }: غيّر { $by } دوره إلى { $role ->
        [admin] مدير
        [moderator] مشرف
        [analyst] محلل
        [readonly] قراءة فقط
       *[other] { $role }
    }.
notice-admin-granted-new-credentials = تغيّر دورك إلى مدير (بتأكيد من { $by }). سجّل الدخول بكلمة المرور المؤقتة التي يعطيك إياها { $by }، واختر كلمة مرور جديدة، وسجّل عامل التحقق الثاني من جديد.
notice-admins-admin-granted = الحساب { $account }: تغيّر دوره إلى مدير (بتأكيد من { $by })؛ يسجّل الدخول بكلمة مرور مؤقتة من { $by } ويسجّل عامل التحقق الثاني من جديد.
notice-password-reset-confirmed = أُعيد تعيين كلمة مرورك (بتأكيد من { $by })؛ وسُجّل خروجك من كل مكان. سجّل الدخول بكلمة المرور المؤقتة التي يعطيك إياها { $by } واختر كلمة جديدة. إن لم تطلب هذا، فأخبر مديرًا آخر.
notice-admins-password-reset-confirmed = الحساب { $account }: أُعيد تعيين كلمة مروره (بتأكيد من { $by })؛ وسُجّل خروجه من كل مكان.
notice-password-reset = أعاد { $by } تعيين كلمة مرورك؛ وسُجّل خروجك من كل مكان. سجّل الدخول بكلمة المرور المؤقتة التي يعطيك إياها واختر كلمة جديدة. إن لم تطلب هذا، فأخبر مديرًا آخر.
notice-admins-password-reset = أعاد { $by } تعيين كلمة مرور { $account }.
notice-password-change-forced = طلب منك { $by } اختيار كلمة مرور جديدة: سُجّل خروجك من كل مكان، وعليك تغييرها عند دخولك التالي.
notice-account-recovered = استُعيد حساب المدير { $account } برمز استرداد صادر من وحدة التحكم في الجهاز، وله كلمة مرور جديدة. إن لم تتوقع هذا، فأوقفه وراجع سجل النشاط (account.recovery_issued).
notice-console-recovery-issued = من وحدة التحكم في الجهاز، صدر رمز استرداد لحساب المدير { $account } (السبب: { $reason }). أُزيلت كلمة مروره وعوامل التحقق الثانية وأُنهيت جلساته؛ وتُختار كلمة مرور جديدة برمز الاسترداد خلال ساعة. إن لم تتوقع هذا، فأخبر مشغّلي الجهاز فورًا.
notice-console-admin-confirmed = من وحدة التحكم في الجهاز، أُكّدت صلاحيات المدير للحساب { $account } (بطلب من { $asked_by }) (السبب: { $reason }). استُبدل بكلمة مرور الحساب وعوامل التحقق الثانية رمز استرداد صالح لساعة واحدة، يسلّمه الشخص الموجود عند وحدة التحكم.
notice-settings-changed = غيّر { $by } إعدادات الجهاز.
notice-permissions-changed = غيّر { $by } صلاحياتك إلى: { $flags_mode ->
        [defaults] الصلاحيات الافتراضية لدورك
        [none] لا شيء
       *[list] { $flags }
    }؛ مجموعات الوصول: { $groups_count ->
        [0] لا شيء
       *[other] { $groups }
    }.
notice-admins-permissions-changed = غيّر { $by } صلاحيات { $account }.
notice-export-requested = يطلب { $by } تصدير { $items ->
        [one] نشرة واحدة
        [two] نشرتين
        [few] { $items } نشرات
       *[other] { $items } نشرة
    } ({ $format }): { $reason }
notice-export-approved = وُوفق على تصديرك { $id }؛ نزّله خلال { $minutes ->
        [one] دقيقة واحدة
        [two] دقيقتين
        [few] { $minutes } دقائق
       *[other] { $minutes } دقيقة
    } (مرة واحدة).
notice-export-rejected = رُفض تصديرك { $id }.
notice-access-changed = تغيّر من يحق له الاطلاع على { $kind ->
        [bulletin] النشرة
        [actor] الفاعل
        [incident] الحادثة
       *[other] { $kind }
    } { $id }: من { $before_count ->
        [0] الجميع
       *[other] { $before }
    } إلى { $after_count ->
        [0] الجميع
       *[other] { $after }
    }. يبيّن سجل التغييرات من غيّره.
notice-assigned = { $kind ->
        [bulletin] أُسندت إليك النشرة
        [actor] أُسند إليك الفاعل
        [incident] أُسندت إليك الحادثة
       *[other] أُسند إليك السجل
    } { $id }.
notice-review-waiting = { $kind ->
        [bulletin] النشرة
        [actor] الفاعل
        [incident] الحادثة
       *[other] السجل
    } { $id } بانتظار مراجعتك.
notice-review-returned = { $kind ->
        [bulletin] عادت نشرتك
        [actor] عاد فاعلك
        [incident] عادت حادثتك
       *[other] عاد سجلك
    } { $id } من المراجعة؛ الحالة الآن: { $status ->
        [unassigned] بلا إسناد
        [assigned] مُسنَد
        [peer_review] قيد مراجعة الأقران
        [revisit] لإعادة النظر
        [reviewed] تمت المراجعة
        [finalized] نهائي
       *[other] { $status }
    }.
notice-backup-stale = آخر نسخة احتياطية ناجحة كانت قبل { $hours } ساعة (أكثر من { $limit } ساعة). من وحدة التحكم، راجع journalctl -u custodian-backup@incr وشغّل custodianctl backup now. تعرض صفحة النسخ الاحتياطية (/admin/backups) الحالة.
notice-backup-missing = لم تنجح أي نسخة احتياطية بعد. من وحدة التحكم، شغّل custodianctl backup now --type full وفعّل مؤقّتات النسخ الاحتياطي. تعرض صفحة النسخ الاحتياطية (/admin/backups) الحالة.
notice-search-ready = بحثك في الخلفية عن { $kind ->
        [bulletin] النشرات
        [actor] الفاعلين
        [incident] الحوادث
       *[other] السجلات
    } (البحث { $job }) جاهز: { $capped ->
        [yes] أكثر من { $count } نتيجة؛ حُفظت أول { $count } منها.
       *[no] { $count ->
            [zero] لا نتائج.
            [one] نتيجة واحدة.
            [two] نتيجتان.
            [few] { $count } نتائج.
           *[other] { $count } نتيجة.
        }
    }
notice-search-failed = أخفق بحثك في الخلفية عن { $kind ->
        [bulletin] النشرات
        [actor] الفاعلين
        [incident] الحوادث
       *[other] السجلات
    } (البحث { $job }): تجاوز الوقت الذي يسمح به الجهاز. ضيّقه ثم ابحث من جديد.
notifications-open-search = افتح البحث
