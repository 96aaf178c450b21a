dist_man_MANS = man/winvpn.8
