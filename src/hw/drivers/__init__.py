"""Device drivers: the only place where escpos, serial and usb may be imported."""
