#include "config.h"

#include "qr-backup.h"
