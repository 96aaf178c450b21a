/* nm-winvpn-advanced.h -- the editor page's "Advanced..." dialog (nm-winvpn-advanced.c). */
#ifndef NM_WINVPN_ADVANCED_H
#define NM_WINVPN_ADVANCED_H

#include <gtk/gtk.h>

/* Whether the dialog edits @key: the page saves such keys from the dialog's values
 * instead of carrying them over from the connection. */
gboolean winvpn_advanced_owns_key(const char *key);

/* Called after OK, once @values holds the new settings. */
typedef void (*WinvpnAdvancedDone)(gpointer user_data);

/* A new dialog (shown, modal for @parent when given) editing @values, a key -> value
 * table of the keys it owns that are set (the others count as the key table's default).
 * OK rewrites @values and calls @done; Cancel or closing leaves them alone.  The dialog
 * destroys itself either way.  @l2tp / @ipsec: the connection's current VPN type, which
 * decides which sections are sensitive. */
GtkWidget *winvpn_advanced_dialog_new(GtkWindow *parent, GHashTable *values, gboolean l2tp,
				      gboolean ipsec, WinvpnAdvancedDone done,
				      gpointer user_data);

#endif
