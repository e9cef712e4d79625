#include "config.h"

#include "qr-qubes-xml.h"
