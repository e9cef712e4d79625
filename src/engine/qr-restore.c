#include "config.h"

#include "qr-restore.h"
