#include "config.h"

#include "qr-restore-item.h"
