"""Customer pole displays: French text on 2×20 VFDs, sale screens, Epson and CD5220 commands."""
