/* process.apparmorProfile: the AppArmor profile the program is exec'd into. */
#pragma once
#include <stdbool.h>

struct error;

/* True when the kernel has AppArmor enabled. */
bool apparmor_enabled(void);
/* Fails with a clear error when a profile is asked for and AppArmor is off (as runc). */
int apparmor_check(const char *profile, struct error **err);
/* In the init, just before exec: the next exec switches to the profile. */
int apparmor_exec_profile(const char *profile, struct error **err);
