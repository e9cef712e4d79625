#include "config.h"

#include "qr-qube.h"
